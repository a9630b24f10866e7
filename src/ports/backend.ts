import type { StateStore } from './state-store.js';
import type { IndexStore } from './index-store.js';
import type { OutputStore } from './output-store.js';
import type { TaskLogStore } from './task-log-store.js';
import type { CoordinatorLease } from './lease.js';
import type { TaskCacheStore } from './task-cache.js';
import type { LockStore } from './lock-store.js';
import type { QueuePool, QueueClient } from './queue.js';

/**
 * Everything a jobq process needs from storage for one prefix, opened together. Built by
 * `adapters/azure/open.ts` (Azure / Azurite) or `adapters/memory/open.ts` (in-process).
 */
export interface Backend {
  readonly kind: 'azure' | 'memory';
  /** `<account>/<prefix>` for messages and banners (secrets redacted). */
  readonly target: string;
  readonly prefix: string;
  readonly state: StateStore;
  readonly index: IndexStore;
  readonly outputs: OutputStore;
  /** Task attempt logs (beside the outputs). */
  readonly logs: TaskLogStore;
  readonly lease: CoordinatorLease;
  /** Memoized task results (jobq extension; survive purging their workflow). */
  readonly cache: TaskCacheStore;
  /** Mutex and semaphore holds across workflows (jobq extension). */
  readonly locks: LockStore;
  readonly queues: QueuePool;
  /** `<prefix lowercased>-workflow-completions` on the queues backend. */
  readonly completions: QueueClient;
  /** Create containers, table and the completion queue. Idempotent. */
  ensureResources(): Promise<void>;
  close(): Promise<void>;
}
