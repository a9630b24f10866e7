/** Memory TaskLogStore: the same logic as Azure over the in-process outputs container. */
import type { TaskLogStore } from '../../ports/task-log-store.js';
import { BlobTaskLogStore } from '../blob-log-store.js';
import { resourceNames } from '../names.js';
import { MemoryBlobBucket } from './blob-bucket.js';
import type { MemoryWorld } from './world.js';

/** Log store of `prefix` in `world`. */
export function createMemoryTaskLogStore(world: MemoryWorld, prefix: string): TaskLogStore {
  return new BlobTaskLogStore(new MemoryBlobBucket(world.blobs, resourceNames(prefix).outputsContainer));
}
