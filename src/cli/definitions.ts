/** Finding and loading definition files for `submit` and `run-local` (files, a directory, or `-` for stdin paths). */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { loadDefinitionFile } from '../model/index.js';
import type { WorkflowDefinition } from '../model/types.js';

const DEFINITION_EXT = /\.(ya?ml|json)$/i;

/** Read newline-separated paths from stdin (blank lines ignored). */
export async function readPathsFromStdin(): Promise<string[]> {
  if (process.stdin.isTTY) return [];
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Expand the arguments: a directory becomes its .yaml/.yml/.json files (sorted); missing paths are usage errors. */
export async function expandDefinitionPaths(args: string[]): Promise<string[]> {
  const raw = args.length === 0 || (args.length === 1 && args[0] === '-') ? await readPathsFromStdin() : args;
  if (raw.length === 0) throw new UsageError('No definition files provided.');
  const out: string[] = [];
  for (const p of raw) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`File not found: ${p}`);
    }
    if (st.isDirectory()) {
      const files = readdirSync(p)
        .filter((f) => DEFINITION_EXT.test(f))
        .sort()
        .map((f) => join(p, f));
      if (files.length === 0) throw new UsageError(`No .yaml, .yml or .json definitions in directory ${p}`);
      out.push(...files);
    } else out.push(p);
  }
  return out;
}

export interface LoadedDefinition {
  source: string;
  def: WorkflowDefinition;
}

/** Load every file; the first invalid one aborts with its path in the message (nothing written yet). */
export async function loadDefinitions(paths: string[]): Promise<LoadedDefinition[]> {
  const loaded: LoadedDefinition[] = [];
  for (const source of paths) {
    try {
      loaded.push({ source, def: await loadDefinitionFile(source) });
    } catch (err) {
      if (err instanceof Error && !err.message.includes(source)) err.message = `${source}: ${err.message}`;
      throw err;
    }
  }
  return loaded;
}
