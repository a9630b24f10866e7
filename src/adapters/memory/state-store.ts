/** Memory StateStore: the same blob logic as Azure over an in-process container. */
import type { StateStore } from '../../ports/state-store.js';
import { BlobStateStore } from '../blob-state-store.js';
import { resourceNames } from '../names.js';
import { MemoryBlobBucket } from './blob-bucket.js';
import type { MemoryWorld } from './world.js';

/** State store of `prefix` in `world`. */
export function createMemoryStateStore(world: MemoryWorld, prefix: string): StateStore {
  return new BlobStateStore(new MemoryBlobBucket(world.blobs, resourceNames(prefix).stateContainer));
}
