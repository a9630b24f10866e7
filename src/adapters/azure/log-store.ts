/** Azure TaskLogStore: attempt logs in `<prefix lower>-outputs` on the state account, beside the outputs. */
import type { AccountSpec } from '../../config/types.js';
import type { TaskLogStore } from '../../ports/task-log-store.js';
import { BlobTaskLogStore } from '../blob-log-store.js';
import { resourceNames } from '../names.js';
import { AzureBlobBucket } from './blob-bucket.js';
import { blobEndpoint, createBlobServiceClient } from './clients.js';

/** Open the log store of `prefix` on `account` (no I/O until used). */
export function createAzureTaskLogStore(account: AccountSpec, prefix: string): TaskLogStore {
  const service = createBlobServiceClient(account);
  const container = service.getContainerClient(resourceNames(prefix).outputsContainer);
  return new BlobTaskLogStore(new AzureBlobBucket(container, blobEndpoint(account)));
}
