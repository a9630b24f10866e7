/**
 * Output collection after the task command exits (reference §6.3, DECISIONS §4.9): JSON from
 * `JOBQ_OUTPUT_FILE`, pending file stashes uploaded and rewritten, > 32 KiB stored as a blob. Every
 * problem becomes a clear task failure; an output is never dropped silently.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { OutputStore } from '../ports/output-store.js';
import { walkPendingMarkers } from '../wire/stash.js';

export type CollectedOutput = { ok: true; outputRef: string | null } | { ok: false; error: string };

export interface CollectOptions {
  outputPath: string;
  workflowId: string;
  task: string;
  outputs: OutputStore;
  /** Task working directory, for relative stash paths. */
  cwd?: string;
}

const STASH_UPLOAD_CONCURRENCY = 4;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function readOutputText(path: string): Promise<string | null> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trim() === '' ? null : text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null; // the task removed it: no output
    throw err;
  }
}

/** Upload every pending stash marker's file and rewrite the markers in place; returns how many. */
async function uploadStashes(value: unknown, opts: CollectOptions): Promise<number> {
  const slots = walkPendingMarkers(value);
  let next = 0;
  const worker = async () => {
    while (next < slots.length) {
      const slot = slots[next++];
      const { local_path: local, filename } = slot.marker;
      const path = isAbsolute(local) ? local : resolvePath(opts.cwd ?? process.cwd(), local);
      try {
        await stat(path);
      } catch {
        throw new Error(`stashed file '${local}' does not exist`);
      }
      slot.resolve(await opts.outputs.uploadFile(opts.workflowId, opts.task, path, filename));
    }
  };
  await Promise.all(Array.from({ length: Math.min(STASH_UPLOAD_CONCURRENCY, slots.length) }, worker));
  return slots.length;
}

/** Read, stash-upload and store the task's output; returns its ref (null: no output) or a failure. */
export async function collectOutput(opts: CollectOptions): Promise<CollectedOutput> {
  let text: string | null;
  try {
    text = await readOutputText(opts.outputPath);
  } catch (err) {
    return { ok: false, error: `could not read the task output file: ${message(err)}` };
  }
  if (text === null) return { ok: true, outputRef: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const preview = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    return {
      ok: false,
      error: `task output is not valid JSON (${message(err)}): ${JSON.stringify(preview)}`,
    };
  }
  let stashed: number;
  try {
    stashed = await uploadStashes(value, opts);
  } catch (err) {
    return { ok: false, error: `file stash upload failed: ${message(err)}` };
  }
  // Without stashes the text is kept as the task wrote it (same bytes a reference worker would pass on).
  const json = stashed > 0 ? JSON.stringify(value) : text.trim();
  try {
    const outputRef = await opts.outputs.putOutput(opts.workflowId, opts.task, json);
    return { ok: true, outputRef };
  } catch (err) {
    return { ok: false, error: `output upload failed: ${message(err)}` };
  }
}
