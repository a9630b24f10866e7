/** Azure StateStore: definition and state blobs in `<prefix lower>-workflows` (reference §4.1–4.3). */
import type { AccountSpec } from '../../config/types.js';
import type { StateStore } from '../../ports/state-store.js';
import { BlobStateStore } from '../blob-state-store.js';
import { resourceNames } from '../names.js';
import { AzureBlobBucket } from './blob-bucket.js';
import { blobEndpoint, createBlobServiceClient } from './clients.js';

/** Open the state store of `prefix` on `account` (no I/O until used; call ensureResources to create the container). */
export function createAzureStateStore(account: AccountSpec, prefix: string): StateStore {
  const service = createBlobServiceClient(account);
  const container = service.getContainerClient(resourceNames(prefix).stateContainer);
  return new BlobStateStore(new AzureBlobBucket(container, blobEndpoint(account)));
}
