/** `jobq.yaml` discovery and loading (reference §7.1): sections `connection` and `coordinator`, strict keys. */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { COORDINATOR_KNOBS } from './knobs.js';

export const CONNECTION_KEYS = ['storage', 'prefix', 'queues', 'blobs'] as const;
export type ConnectionKey = (typeof CONNECTION_KEYS)[number];
const SECTIONS = ['connection', 'coordinator'] as const;

export interface ConfigFile {
  path: string;
  connection: Partial<Record<ConnectionKey, string>>;
  coordinator: Record<string, unknown>;
}

/** Where a config file would be read from: explicit path (flag/env) or the implicit search list. */
export function configCandidates(cwd: string, home: string): string[] {
  return [join(cwd, 'jobq.yaml'), join(cwd, '.jobq.yaml'), join(home, '.config', 'ai4s-jobq', 'jobq.yaml')];
}

/**
 * Find the config file: `--config` → `JOBQ_WORKFLOW_CONFIG` → ./jobq.yaml → ./.jobq.yaml →
 * ~/.config/ai4s-jobq/jobq.yaml. An explicit path that does not exist is an error; implicit misses are silent.
 */
export function discoverConfigPath(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
  home: string,
): string | null {
  const explicit: [string | undefined, string][] = [
    [flag, '--config'],
    [env.JOBQ_WORKFLOW_CONFIG, 'JOBQ_WORKFLOW_CONFIG'],
  ];
  for (const [value, origin] of explicit) {
    if (value === undefined || value === '') continue;
    const p = isAbsolute(value) ? value : resolve(cwd, value);
    if (!existsSync(p)) throw new ConfigError(`Config file not found (${origin}): ${value}`);
    return p;
  }
  return configCandidates(cwd, home).find((p) => existsSync(p)) ?? null;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
  path: string,
): void {
  const unknown = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `Invalid config file ${path}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} ` +
        `in ${where}; allowed: ${allowed.join(', ')}.`,
    );
  }
}

/** Read and check a config file. Empty file = empty config. */
export function loadConfigFile(path: string): ConfigFile {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new ConfigError(`Invalid config file ${path}: ${msg}`);
  }
  if (doc === null || doc === undefined) return { path, connection: {}, coordinator: {} };
  if (!isMapping(doc))
    throw new ConfigError(
      `Invalid config file ${path}: the top level must be a mapping with 'connection:' and/or 'coordinator:'.`,
    );
  checkKeys(doc, SECTIONS, 'the top level', path);
  const out: ConfigFile = { path, connection: {}, coordinator: {} };
  for (const section of SECTIONS) {
    const body = doc[section];
    if (body === null || body === undefined) continue;
    if (!isMapping(body))
      throw new ConfigError(`Invalid config file ${path}: '${section}' must be a mapping.`);
    if (section === 'connection') {
      checkKeys(body, CONNECTION_KEYS, "'connection'", path);
      for (const k of CONNECTION_KEYS) {
        const v = body[k];
        if (v !== null && v !== undefined && String(v).trim() !== '') out.connection[k] = String(v).trim();
      }
    } else {
      checkKeys(
        body,
        [...COORDINATOR_KNOBS.map((k) => k.yaml), 'standby', 'semaphores'],
        "'coordinator'",
        path,
      );
      out.coordinator = body;
    }
  }
  return out;
}
