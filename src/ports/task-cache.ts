/**
 * Memoized task results (jobq extension, DECISIONS §4.17, docs/dag-format.md "Memoized tasks"). One
 * entry per cache key, holding the output JSON text itself (any size), so an entry survives purging the
 * workflow that produced it. Written by the coordinator after a successful completion, read when a
 * cacheable task becomes ready, managed by `jobq workflow cache`.
 */

/** Where a cached result came from. */
export interface CacheSource {
  workflowId: string;
  task: string;
  attempt: number;
}

export interface TaskCacheEntry {
  /** 64 lowercase hex characters (sha256). */
  key: string;
  /** ISO-8601 UTC, when the result was recorded. */
  createdAt: string;
  source: CacheSource;
  /** The output JSON text (inline or blob content, decoded), or null when the task produced none. */
  output: string | null;
}

export interface TaskCacheStore {
  /** The entry under `key`, or null. A blob that is not an entry is treated as missing (and logged by callers). */
  get(key: string): Promise<TaskCacheEntry | null>;
  /** Store (overwrite) an entry: two writers of one key both hold valid results, the last one wins. */
  put(entry: TaskCacheEntry): Promise<void>;
  /** Every entry, in key order (reads each one). */
  list(): Promise<TaskCacheEntry[]>;
  /** True if it existed. */
  delete(key: string): Promise<boolean>;
}

/** `<workflow>/<task>/<attempt>` for status lines and the state document. */
export function formatCacheSource(s: CacheSource): string {
  return `${s.workflowId}/${s.task}/${s.attempt}`;
}
