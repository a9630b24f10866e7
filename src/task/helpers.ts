/**
 * Task-side helpers for Node tasks (DECISIONS §5, reference §6.6). Each call reads the environment the
 * worker set (`JOBQ_WORKFLOW_ID`, `JOBQ_WORKFLOW_UPSTREAM_REFS`, `JOBQ_OUTPUT_FILE`, …) and, when it
 * needs storage, opens a short-lived connection. For many calls in one task use `TaskContext`.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, resolve as resolvePath } from 'node:path';
import { TaskContextError } from '../errors.js';
import { pendingMarker, type BlobStash, type StashMarker } from '../wire/stash.js';
import { TaskContext, outputFilePath, type TaskContextOptions } from './context.js';

const FETCH_CONCURRENCY = 8;

async function withContext<T>(
  opts: TaskContextOptions | undefined,
  fn: (ctx: TaskContext) => Promise<T>,
): Promise<T> {
  const ctx = new TaskContext(opts);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

function strictReplacer(_key: string, value: unknown): unknown {
  const t = typeof value;
  if (t === 'function' || t === 'symbol' || t === 'bigint') {
    throw new TypeError(`task output contains a value of type ${t}, which JSON cannot represent`);
  }
  return value;
}

/**
 * Serialise a task output as JSON text. `stashFile()` markers stay pending markers (the worker uploads
 * them); values JSON cannot represent are a TypeError rather than being dropped.
 */
export function serializeOutput(data: unknown): string {
  if (data === undefined) throw new TypeError('task output must not be undefined');
  return JSON.stringify(data, strictReplacer);
}

/**
 * Set this task's output (written to `JOBQ_OUTPUT_FILE`; the last call wins). Outputs over 32 KiB are
 * stored as a blob by the worker.
 */
export function setOutput(data: unknown, env: NodeJS.ProcessEnv = process.env): void {
  writeFileSync(outputFilePath(env), serializeOutput(data));
}

/**
 * A file to upload with the output: put the returned marker anywhere in `setOutput(...)`; after the
 * task exits the worker uploads the file and downstream tasks receive a `BlobStash` reference to it.
 */
export function stashFile(path: string): StashMarker {
  const abs = resolvePath(path);
  if (!existsSync(abs) || !statSync(abs).isFile())
    throw new TaskContextError(`stashFile: '${path}' is not a file.`);
  return pendingMarker(abs, basename(abs));
}

/**
 * The output of an upstream task: a direct parent or, through fan-in merge nodes, any real ancestor.
 * null when it produced no output (or was skipped/failed).
 */
export function getUpstreamOutput(parent: string, opts?: TaskContextOptions): Promise<unknown> {
  return withContext(opts, async (ctx) => {
    const ref = await ctx.upstreamRef(parent);
    return ref === null ? null : ctx.decodeRef(ref);
  });
}

/** `{parent: output}` for every real upstream task that produced an output (others omitted). */
export function getUpstreamOutputs(opts?: TaskContextOptions): Promise<Record<string, unknown>> {
  return withContext(opts, async (ctx) => {
    const refs = (await ctx.upstreamRefs()).filter((e): e is [string, string] => e[1] !== null);
    const out: Record<string, unknown> = {};
    let next = 0;
    const fetcher = async () => {
      while (next < refs.length) {
        const [name, ref] = refs[next++];
        out[name] = await ctx.decodeRef(ref);
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, refs.length) }, fetcher));
    // Stable key order (declared / sorted upstream order), whatever order the fetches finished in.
    return Object.fromEntries(refs.filter(([n]) => Object.hasOwn(out, n)).map(([n]) => [n, out[n]]));
  });
}

/** Sorted names of the real (non-merge) upstream tasks, walking through fan-in merge nodes. */
export function getRealUpstreamTasks(opts?: TaskContextOptions): Promise<string[]> {
  return withContext(opts, (ctx) => ctx.realUpstreamTasks());
}

/** True when a cancel of this task's workflow was requested (poll it in long tasks to stop early). */
export function isCancelled(opts?: TaskContextOptions): Promise<boolean> {
  return withContext(opts, (ctx) => ctx.isCancelled());
}

/** Download a file an upstream task stashed to `destPath` (md5 and size verified). */
export function downloadStash(file: BlobStash, destPath: string, opts?: TaskContextOptions): Promise<void> {
  return withContext(opts, async (ctx) => (await ctx.backend()).outputs.downloadFile(file, destPath));
}

/** Read a file an upstream task stashed into memory. */
export function readStash(file: BlobStash, opts?: TaskContextOptions): Promise<Buffer> {
  return withContext(opts, async (ctx) => (await ctx.backend()).outputs.readFile(file));
}
