import { outputStoreConformance } from '../../support/conformance/storage-output.js';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { createMemoryOutputStore } from '../../../src/adapters/memory/output-store.js';
import { MemoryBlobBucket } from '../../../src/adapters/memory/blob-bucket.js';
import { createAzureOutputStore } from '../../../src/adapters/azure/output-store.js';
import { AzureBlobBucket } from '../../../src/adapters/azure/blob-bucket.js';
import { BlobOutputStore } from '../../../src/adapters/blob-output-store.js';
import { blobEndpoint, createBlobServiceClient } from '../../../src/adapters/azure/clients.js';
import { resourceNames } from '../../../src/adapters/names.js';
import { createRestOutputStore } from '../../../src/adapters/azure/rest/open.js';
import { RestBlobBucket } from '../../../src/adapters/azure/rest/blob-bucket.js';
import { blobRestEndpoint } from '../../../src/adapters/azure/rest/endpoints.js';

outputStoreConformance('memory', async () => {
  const world = createMemoryWorld();
  const prefix = uniquePrefix('Out');
  const files = `files-${prefix.toLowerCase()}`;
  const rawOutputs = new MemoryBlobBucket(world.blobs, resourceNames(prefix).outputsContainer);
  const rawFiles = new MemoryBlobBucket(world.blobs, files);
  // A container that was never created: every write fails.
  const broken = new BlobOutputStore(new MemoryBlobBucket(world.blobs, 'never-created'), rawFiles);
  return { outputs: createMemoryOutputStore(world, prefix, files), rawOutputs, rawFiles, broken };
});

outputStoreConformance('azurite (SDK client)', async () => {
  const account = azuriteAccount();
  const prefix = uniquePrefix('Out');
  const files = `files-${prefix.toLowerCase()}`;
  const service = createBlobServiceClient(account);
  const bucket = (c: string) => new AzureBlobBucket(service.getContainerClient(c), blobEndpoint(account));
  const outputs = createAzureOutputStore({
    storage: account,
    prefix,
    queues: { kind: 'storage', account },
    blobs: { account, container: files },
  });
  const broken = new BlobOutputStore(bucket(`never-created-${prefix.toLowerCase()}`), bucket(files));
  return {
    outputs,
    rawOutputs: bucket(resourceNames(prefix).outputsContainer),
    rawFiles: bucket(files),
    broken,
  };
});

outputStoreConformance('azurite (lean client)', async () => {
  const account = azuriteAccount();
  const prefix = uniquePrefix('Out');
  const files = `files-${prefix.toLowerCase()}`;
  const bucket = (c: string) => new RestBlobBucket(blobRestEndpoint(account), c, account);
  const outputs = createRestOutputStore({
    storage: account,
    prefix,
    queues: { kind: 'storage', account },
    blobs: { account, container: files },
  });
  const broken = new BlobOutputStore(bucket(`never-created-${prefix.toLowerCase()}`), bucket(files));
  return {
    outputs,
    rawOutputs: bucket(resourceNames(prefix).outputsContainer),
    rawFiles: bucket(files),
    broken,
  };
});
