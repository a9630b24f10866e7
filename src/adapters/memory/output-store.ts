/** Memory OutputStore: the same logic as Azure over in-process containers. */
import type { OutputStore } from '../../ports/output-store.js';
import { DEFAULT_BLOBS_CONTAINER } from '../../config/defaults.js';
import { BlobOutputStore } from '../blob-output-store.js';
import { resourceNames } from '../names.js';
import { MemoryBlobBucket } from './blob-bucket.js';
import type { MemoryWorld } from './world.js';

/** Output store of `prefix` in `world`; stashes go to `filesContainer` (default jobq-workflow-data). */
export function createMemoryOutputStore(
  world: MemoryWorld,
  prefix: string,
  filesContainer = DEFAULT_BLOBS_CONTAINER,
): OutputStore {
  return new BlobOutputStore(
    new MemoryBlobBucket(world.blobs, resourceNames(prefix).outputsContainer),
    new MemoryBlobBucket(world.blobs, filesContainer),
  );
}
