/** Purge, orphan detection and queue draining (reference §4.3 purge, §7.3 drain; DECISIONS §4.11). */
import type { Backend } from '../ports/backend.js';
import { isTerminalWorkflowState } from '../engine/states.js';
import { mapBounded } from './concurrency.js';
import type { PurgeOptions, PurgeResult } from './types.js';
import type { Logger } from '../log.js';

/** Blobs younger than this without an index row may be a submit in progress, not an orphan. */
export const ORPHAN_GRACE_MS = 60_000;

/** Delete workflows (terminal only unless `all`): blobs, output blobs, then the index row. */
export async function purgeWorkflows(backend: Backend, opts: PurgeOptions = {}): Promise<PurgeResult> {
  const rows = await backend.index.list();
  const doomed = rows.filter((r) => opts.all || isTerminalWorkflowState(r.workflowState));
  let deleted = 0;
  let done = 0;
  await mapBounded(doomed, opts.concurrency ?? 20, async (row) => {
    const existed = await backend.state.deleteWorkflow(row.workflowId);
    await backend.outputs.deleteOutputs(row.workflowId).catch(() => undefined);
    await backend.index.delete(row.workflowId);
    if (existed) deleted++;
    opts.onProgress?.(++done, doomed.length);
  });
  await releaseLocksOf(backend, new Set(doomed.map((r) => r.workflowId)));
  if (opts.dropTables) await dropAndRecreate(backend);
  return { workflows: deleted, tasks: 0 };
}

/**
 * Drop the mutex/semaphore holds and waits of purged workflows (issue 19): their slots are free at once;
 * the coordinator's lock sweep sees it and grants them to the next waiters. A purged task that is still
 * running on a worker no longer counts against the limit.
 */
export async function releaseLocksOf(backend: Backend, workflowIds: ReadonlySet<string>): Promise<number> {
  if (workflowIds.size === 0) return 0;
  let released = 0;
  const locks = await backend.locks.locks().catch(() => [] as string[]);
  await mapBounded(locks, 8, async (lock) => {
    const [holds, waiters] = await Promise.all([backend.locks.holds(lock), backend.locks.waiters(lock)]);
    for (const h of holds)
      if (workflowIds.has(h.owner.workflowId)) {
        if (await backend.locks.release(lock, { ...h.owner, attempt: Number.MAX_SAFE_INTEGER })) released++;
      }
    for (const w of waiters)
      if (workflowIds.has(w.owner.workflowId)) await backend.locks.removeWaiter(lock, w.owner);
  });
  return released;
}

/** Drop containers and the index table, then recreate them (errors of the recreate are tolerated). */
export async function dropAndRecreate(backend: Backend): Promise<void> {
  await Promise.all([
    backend.state.dropResources().catch(() => undefined),
    backend.index.dropResources().catch(() => undefined),
    backend.outputs.dropResources().catch(() => undefined),
  ]);
  // Azure refuses to recreate a just-deleted container for a while; the next submit recreates it.
  await backend.ensureResources().catch(() => undefined);
}

export interface Orphan {
  workflowId: string;
  createdAt: string | null;
}

/**
 * Workflows that have blobs but no index row (a submit that crashed between its writes), older than
 * the grace period so that a submit in flight is never taken for one.
 */
export async function findOrphans(
  backend: Backend,
  now: number,
  graceMs = ORPHAN_GRACE_MS,
): Promise<Orphan[]> {
  const [ids, rows] = await Promise.all([backend.state.listWorkflowIds(), backend.index.list()]);
  const indexed = new Set(rows.map((r) => r.workflowId));
  const candidates = ids.filter((id) => !indexed.has(id));
  const found = await mapBounded(candidates, 16, async (workflowId): Promise<Orphan | null> => {
    const def = await backend.state.loadDefinition(workflowId).catch(() => null);
    const createdAt = def?.created_at ?? null;
    const t = createdAt ? Date.parse(createdAt) : NaN;
    if (!Number.isNaN(t) && now - t < graceMs) return null;
    // Re-check the index: the submit may have completed since the scan.
    if (await backend.index.get(workflowId)) return null;
    return { workflowId, createdAt };
  });
  return found.filter((o): o is Orphan => o !== null);
}

/** Delete orphan blobs (and their output blobs). Returns the removed IDs. */
export async function purgeOrphans(
  backend: Backend,
  now: number,
  graceMs = ORPHAN_GRACE_MS,
): Promise<string[]> {
  const orphans = await findOrphans(backend, now, graceMs);
  await mapBounded(orphans, 16, async (o) => {
    await backend.state.deleteWorkflow(o.workflowId);
    await backend.outputs.deleteOutputs(o.workflowId).catch(() => undefined);
  });
  return orphans.map((o) => o.workflowId);
}

/** Completion queue + every queue named by index rows + extras, sorted unique (reference §7.3). */
export async function discoverQueues(backend: Backend, extra: string[] = []): Promise<string[]> {
  const rows = await backend.index.list();
  const names = new Set<string>([backend.completions.spec, ...extra]);
  for (const r of rows) {
    for (const q of r.queuesUsed) if (q) names.add(q);
    if (r.defaultQueue) names.add(r.defaultQueue);
  }
  return [...names].sort();
}

export interface DrainResult {
  queue: string;
  /** Approximate messages removed, or -1 when the queue could not be cleared. */
  messages: number;
}

/** Clear each queue; per-queue approximate count, -1 on failure (logged). */
export async function drainQueues(
  backend: Backend,
  queues: string[],
  opts: { concurrency?: number; logger?: Logger; onProgress?: (done: number, total: number) => void } = {},
): Promise<DrainResult[]> {
  let done = 0;
  return mapBounded(queues, opts.concurrency ?? 5, async (queue) => {
    const client = queue === backend.completions.spec ? backend.completions : backend.queues.get(queue);
    let messages: number;
    try {
      messages = await client.approximateDepth();
      await client.clear();
    } catch (err) {
      opts.logger?.warn({ queue, err: String(err) }, `could not drain queue ${queue}`);
      messages = -1;
    }
    opts.onProgress?.(++done, queues.length);
    return { queue, messages };
  });
}
