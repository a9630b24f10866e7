/**
 * The lean client's stores for a target (the counterparts of `azure/state-store.ts`,
 * `output-store.ts`, `lease.ts` and the pool's Storage Queue clients), sharing one keep-alive
 * endpoint per account and service.
 */
import type { AccountSpec, Target } from '../../../config/types.js';
import type { CoordinatorLease } from '../../../ports/lease.js';
import type { OutputStore } from '../../../ports/output-store.js';
import type { QueueClient } from '../../../ports/queue.js';
import type { StateStore } from '../../../ports/state-store.js';
import { BlobOutputStore } from '../../blob-output-store.js';
import { BlobStateStore } from '../../blob-state-store.js';
import { BlobTaskLogStore } from '../../blob-log-store.js';
import type { TaskLogStore } from '../../../ports/task-log-store.js';
import { resourceNames } from '../../names.js';
import { RestBlobBucket } from './blob-bucket.js';
import { blobRestEndpoint, queueRestEndpoint } from './endpoints.js';
import { RestCoordinatorLease } from './lease.js';
import { RestStorageQueueClient } from './storage-queue.js';

function bucket(account: AccountSpec, container: string): RestBlobBucket {
  return new RestBlobBucket(blobRestEndpoint(account), container, account);
}

/** The jobq-extension container of `prefix` (task cache, lock holds; created on first write). */
export function createRestExtBucket(account: AccountSpec, prefix: string): RestBlobBucket {
  return bucket(account, resourceNames(prefix).extContainer);
}

/** The state store of `prefix` on `account` (no I/O until used). */
export function createRestStateStore(account: AccountSpec, prefix: string): StateStore {
  return new BlobStateStore(bucket(account, resourceNames(prefix).stateContainer));
}

/** The output store of a target (the file-output container is created on first upload). */
export function createRestOutputStore(target: Target): OutputStore {
  return new BlobOutputStore(
    bucket(target.storage, resourceNames(target.prefix).outputsContainer),
    bucket(target.blobs.account, target.blobs.container),
  );
}

/** The attempt-log store of `prefix` on `account`, beside the outputs. */
export function createRestTaskLogStore(account: AccountSpec, prefix: string): TaskLogStore {
  return new BlobTaskLogStore(bucket(account, resourceNames(prefix).outputsContainer));
}

/** The coordinator lease of `prefix` on `account`. */
export function createRestLease(account: AccountSpec, prefix: string): CoordinatorLease {
  return new RestCoordinatorLease(
    blobRestEndpoint(account),
    bucket(account, resourceNames(prefix).stateContainer),
    prefix,
  );
}

/** A Storage Queue client of queue `name` on `account`. */
export function createRestStorageQueue(account: AccountSpec, name: string, spec: string): QueueClient {
  return new RestStorageQueueClient(queueRestEndpoint(account), name, spec);
}
