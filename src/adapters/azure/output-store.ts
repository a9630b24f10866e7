/** Azure OutputStore: `<prefix lower>-outputs` on the state account, stashes in target.blobs (reference §4.5–4.6). */
import type { Target } from '../../config/types.js';
import type { OutputStore } from '../../ports/output-store.js';
import { BlobOutputStore } from '../blob-output-store.js';
import { resourceNames } from '../names.js';
import { AzureBlobBucket } from './blob-bucket.js';
import { blobEndpoint, createBlobServiceClient } from './clients.js';

/** Open the output store of a target (the file-output container is created on first upload). */
export function createAzureOutputStore(target: Target): OutputStore {
  const state = createBlobServiceClient(target.storage);
  const outputs = new AzureBlobBucket(
    state.getContainerClient(resourceNames(target.prefix).outputsContainer),
    blobEndpoint(target.storage),
  );
  const filesService =
    target.blobs.account === target.storage ? state : createBlobServiceClient(target.blobs.account);
  const files = new AzureBlobBucket(
    filesService.getContainerClient(target.blobs.container),
    blobEndpoint(target.blobs.account),
  );
  return new BlobOutputStore(outputs, files);
}
