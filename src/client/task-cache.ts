/**
 * Managing memoized task results (`jobq workflow cache`, docs/cli.md): which entries a purge removes.
 * The entries themselves live behind the TaskCacheStore port (src/ports/task-cache.ts).
 */
import type { TaskCacheEntry, TaskCacheStore } from '../ports/task-cache.js';

/** What `cache purge` removes: entries matching every given criterion (`all` = no criterion needed). */
export interface CachePurgeFilter {
  /** Only entries recorded more than this many seconds before `now`. */
  olderThanS?: number | null;
  /** Only entries whose key starts with this (lowercase hex). */
  keyPrefix?: string | null;
}

export interface CachePurgeResult {
  deleted: number;
  kept: number;
}

/** Whether `e` matches `f` at `nowMs`. An entry whose `createdAt` does not parse is never "older". */
export function matchesPurge(e: TaskCacheEntry, f: CachePurgeFilter, nowMs: number): boolean {
  if (f.keyPrefix && !e.key.startsWith(f.keyPrefix.toLowerCase())) return false;
  if (f.olderThanS !== undefined && f.olderThanS !== null) {
    const t = Date.parse(e.createdAt);
    if (!Number.isFinite(t) || nowMs - t <= f.olderThanS * 1000) return false;
  }
  return true;
}

/** Delete the entries matching `filter` (an empty filter deletes every entry). */
export async function purgeCacheEntries(
  store: TaskCacheStore,
  filter: CachePurgeFilter,
  nowMs: number,
): Promise<CachePurgeResult> {
  const entries = await store.list();
  let deleted = 0;
  for (const e of entries) if (matchesPurge(e, filter, nowMs) && (await store.delete(e.key))) deleted++;
  return { deleted, kept: entries.length - deleted };
}
