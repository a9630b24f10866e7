/**
 * Semaphore limits (issue 19, DECISIONS §4.17): `coordinator.semaphores: {NAME: N}` in jobq.yaml,
 * `JOBQ_COORDINATOR_SEMAPHORES=NAME=N,NAME=N`, and the coordinator's repeatable `--semaphore NAME=N`.
 * The layers merge per name (flag over env over file), so one flag can raise one limit. The coordinator
 * enforces them; `submit` and `validate` read the same file and env to refuse an unknown semaphore.
 */
import { ConfigError } from '../errors.js';
import type { ValueSource } from './types.js';

/** Largest semaphore limit accepted (a slot is one blob; more than this is surely a typo). */
export const MAX_SEMAPHORE_LIMIT = 10_000;

export interface ResolvedSemaphores {
  limits: Record<string, number>;
  /** Where each name's limit came from. */
  sources: Record<string, ValueSource>;
}

/** The definition's lock-name rule (model/extensions.ts LOCK_NAME; config sits below model, so it is restated). */
const SEMAPHORE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/;

function checkEntry(name: string, raw: unknown, where: string): number {
  if (!SEMAPHORE_NAME.test(name))
    throw new ConfigError(
      `Invalid semaphore name ${JSON.stringify(name)} in ${where}: use 1-63 letters, digits, '_', '.', ':' or '-', starting with a letter or digit.`,
    );
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEMAPHORE_LIMIT)
    throw new ConfigError(
      `Invalid limit for semaphore '${name}' in ${where}: expected a whole number from 1 to ${MAX_SEMAPHORE_LIMIT}, got ${JSON.stringify(raw)}.`,
    );
  return n;
}

/** Parse `NAME=N` items (a flag's values, or the env var split on commas). */
export function parseSemaphoreList(items: readonly string[], where: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const raw of items) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0)
      throw new ConfigError(`Invalid semaphore '${item}' in ${where}: expected NAME=N, e.g. db=2.`);
    const name = item.slice(0, eq).trim();
    out[name] = checkEntry(name, item.slice(eq + 1).trim(), where);
  }
  return out;
}

/** Parse the `coordinator.semaphores` mapping of jobq.yaml. */
export function parseSemaphoreMapping(raw: unknown, where: string): Record<string, number> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(`Invalid ${where}: expected a mapping of semaphore names to limits, e.g. {db: 2}.`);
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(raw as Record<string, unknown>))
    out[name] = checkEntry(name, n, where);
  return out;
}

/** Merge file → env → flags (later layers win per name). */
export function resolveSemaphores(input: {
  flags?: readonly string[];
  env: NodeJS.ProcessEnv;
  file?: unknown;
  filePath: string | null;
}): ResolvedSemaphores {
  const limits: Record<string, number> = {};
  const sources: Record<string, ValueSource> = {};
  const layer = (entries: Record<string, number>, source: ValueSource) => {
    for (const [name, n] of Object.entries(entries)) {
      limits[name] = n;
      sources[name] = source;
    }
  };
  layer(parseSemaphoreMapping(input.file, `coordinator.semaphores in ${input.filePath}`), 'file');
  const env = input.env.JOBQ_COORDINATOR_SEMAPHORES;
  if (env !== undefined) layer(parseSemaphoreList(env.split(','), 'env JOBQ_COORDINATOR_SEMAPHORES'), 'env');
  if (input.flags) layer(parseSemaphoreList(input.flags, 'flag --semaphore'), 'flag');
  return { limits, sources };
}
