import { lockStoreConformance } from '../../support/conformance/storage-lock.js';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { MemoryBlobBucket } from '../../../src/adapters/memory/blob-bucket.js';
import { BlobLockStore } from '../../../src/adapters/blob-lock-store.js';
import { AzureBlobBucket } from '../../../src/adapters/azure/blob-bucket.js';
import { blobEndpoint, createBlobServiceClient } from '../../../src/adapters/azure/clients.js';
import { resourceNames } from '../../../src/adapters/names.js';
import { createRestExtBucket } from '../../../src/adapters/azure/rest/open.js';

lockStoreConformance('memory', async () => {
  const world = createMemoryWorld();
  const container = resourceNames(uniquePrefix('Lock')).extContainer;
  return { open: () => new BlobLockStore(new MemoryBlobBucket(world.blobs, container)) };
});

lockStoreConformance('azurite (SDK client)', async () => {
  const account = azuriteAccount();
  const container = resourceNames(uniquePrefix('Lock')).extContainer;
  const service = createBlobServiceClient(account);
  return {
    open: () =>
      new BlobLockStore(new AzureBlobBucket(service.getContainerClient(container), blobEndpoint(account))),
  };
});

lockStoreConformance('azurite (lean client)', async () => {
  const account = azuriteAccount();
  const prefix = uniquePrefix('Lock');
  return { open: () => new BlobLockStore(createRestExtBucket(account, prefix)) };
});
