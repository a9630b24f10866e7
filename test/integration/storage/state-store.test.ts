import { stateStoreConformance } from '../../support/conformance/storage-state.js';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { createMemoryStateStore } from '../../../src/adapters/memory/state-store.js';
import { MemoryBlobBucket } from '../../../src/adapters/memory/blob-bucket.js';
import { createAzureStateStore } from '../../../src/adapters/azure/state-store.js';
import { AzureBlobBucket } from '../../../src/adapters/azure/blob-bucket.js';
import { blobEndpoint, createBlobServiceClient } from '../../../src/adapters/azure/clients.js';
import { resourceNames } from '../../../src/adapters/names.js';
import { createRestStateStore } from '../../../src/adapters/azure/rest/open.js';
import { RestBlobBucket } from '../../../src/adapters/azure/rest/blob-bucket.js';
import { blobRestEndpoint } from '../../../src/adapters/azure/rest/endpoints.js';

stateStoreConformance('memory', async () => {
  const world = createMemoryWorld();
  const prefix = uniquePrefix('St');
  return {
    store: createMemoryStateStore(world, prefix),
    raw: new MemoryBlobBucket(world.blobs, resourceNames(prefix).stateContainer),
  };
});

stateStoreConformance('azurite (SDK client)', async () => {
  const account = azuriteAccount();
  const prefix = uniquePrefix('St');
  const container = createBlobServiceClient(account).getContainerClient(resourceNames(prefix).stateContainer);
  return {
    store: createAzureStateStore(account, prefix),
    raw: new AzureBlobBucket(container, blobEndpoint(account)),
  };
});

stateStoreConformance('azurite (lean client)', async () => {
  const account = azuriteAccount();
  const prefix = uniquePrefix('St');
  return {
    store: createRestStateStore(account, prefix),
    raw: new RestBlobBucket(blobRestEndpoint(account), resourceNames(prefix).stateContainer, account),
  };
});
