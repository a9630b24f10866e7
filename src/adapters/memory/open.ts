/** Compose an in-process Backend for one prefix (`--backend memory`, unit tests). */
import type { Backend } from '../../ports/backend.js';
import { DEFAULT_BLOBS_CONTAINER } from '../../config/defaults.js';
import { composeBackend } from '../compose.js';
import { createMemoryQueuePool } from './queue.js';
import { createMemoryStateStore } from './state-store.js';
import { createMemoryIndexStore } from './index-store.js';
import { createMemoryOutputStore } from './output-store.js';
import { createMemoryTaskLogStore } from './log-store.js';
import { createMemoryLease } from './lease.js';
import type { MemoryWorld } from './world.js';
import { MemoryBlobBucket } from './blob-bucket.js';
import { BlobTaskCacheStore } from '../blob-task-cache.js';
import { BlobLockStore } from '../blob-lock-store.js';
import { resourceNames } from '../names.js';

/**
 * Open `prefix` in `world`. Several backends opened on one world (coordinator, workers) see the same
 * blobs, rows and queues. Call `ensureResources()` before use, as with Azure.
 */
export function openMemoryBackend(world: MemoryWorld, prefix: string): Backend {
  const state = createMemoryStateStore(world, prefix);
  const index = createMemoryIndexStore(world, prefix);
  const outputs = createMemoryOutputStore(world, prefix, DEFAULT_BLOBS_CONTAINER);
  const logs = createMemoryTaskLogStore(world, prefix);
  const lease = createMemoryLease(world, prefix);
  const queues = createMemoryQueuePool(world.broker);
  const ext = new MemoryBlobBucket(world.blobs, resourceNames(prefix).extContainer);
  return composeBackend({
    kind: 'memory',
    target: `memory/${prefix}`,
    prefix,
    state,
    index,
    outputs,
    logs,
    lease,
    queues,
    cache: new BlobTaskCacheStore(ext),
    locks: new BlobLockStore(ext),
  });
}
