import { taskLogStoreConformance } from '../../support/conformance/storage-log.js';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { createMemoryTaskLogStore } from '../../../src/adapters/memory/log-store.js';
import { createMemoryOutputStore } from '../../../src/adapters/memory/output-store.js';
import { MemoryBlobBucket } from '../../../src/adapters/memory/blob-bucket.js';
import { createAzureTaskLogStore } from '../../../src/adapters/azure/log-store.js';
import { createAzureOutputStore } from '../../../src/adapters/azure/output-store.js';
import { AzureBlobBucket } from '../../../src/adapters/azure/blob-bucket.js';
import { blobEndpoint, createBlobServiceClient } from '../../../src/adapters/azure/clients.js';
import { resourceNames } from '../../../src/adapters/names.js';
import { createRestOutputStore, createRestTaskLogStore } from '../../../src/adapters/azure/rest/open.js';
import { RestBlobBucket } from '../../../src/adapters/azure/rest/blob-bucket.js';
import { blobRestEndpoint } from '../../../src/adapters/azure/rest/endpoints.js';

taskLogStoreConformance('memory', async () => {
  const world = createMemoryWorld();
  const prefix = uniquePrefix('Log');
  return {
    logs: createMemoryTaskLogStore(world, prefix),
    outputs: createMemoryOutputStore(world, prefix),
    raw: new MemoryBlobBucket(world.blobs, resourceNames(prefix).outputsContainer),
  };
});

taskLogStoreConformance('azurite (SDK client)', async () => {
  const account = azuriteAccount();
  const prefix = uniquePrefix('Log');
  const service = createBlobServiceClient(account);
  return {
    logs: createAzureTaskLogStore(account, prefix),
    outputs: createAzureOutputStore({
      storage: account,
      prefix,
      queues: { kind: 'storage', account },
      blobs: { account, container: `files-${prefix.toLowerCase()}` },
    }),
    raw: new AzureBlobBucket(
      service.getContainerClient(resourceNames(prefix).outputsContainer),
      blobEndpoint(account),
    ),
  };
});

taskLogStoreConformance('azurite (lean client)', async () => {
  const account = azuriteAccount();
  const prefix = uniquePrefix('Log');
  return {
    logs: createRestTaskLogStore(account, prefix),
    outputs: createRestOutputStore({
      storage: account,
      prefix,
      queues: { kind: 'storage', account },
      blobs: { account, container: `files-${prefix.toLowerCase()}` },
    }),
    raw: new RestBlobBucket(blobRestEndpoint(account), resourceNames(prefix).outputsContainer, account),
  };
});
