import { taskCacheStoreConformance } from '../../support/conformance/task-cache.js';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { openAzureBackend } from '../../../src/adapters/azure/open.js';
import type { Target } from '../../../src/config/types.js';

function azuriteTarget(prefix: string): Target {
  const account = azuriteAccount();
  return {
    storage: account,
    prefix,
    queues: { kind: 'storage', account },
    blobs: { account, container: `files-${prefix.toLowerCase()}` },
  };
}

/** Open with JOBQ_HTTP_CLIENT set to `client` (it is read once, when the backend is opened). */
async function openWith(client: 'lean' | 'sdk', prefix: string) {
  const old = process.env.JOBQ_HTTP_CLIENT;
  process.env.JOBQ_HTTP_CLIENT = client;
  try {
    return await openAzureBackend(azuriteTarget(prefix));
  } finally {
    if (old === undefined) delete process.env.JOBQ_HTTP_CLIENT;
    else process.env.JOBQ_HTTP_CLIENT = old;
  }
}

taskCacheStoreConformance('memory', async () => ({
  backend: openMemoryBackend(createMemoryWorld(), uniquePrefix('Cache')),
}));

taskCacheStoreConformance('azurite (lean client)', async () => ({
  backend: await openWith('lean', uniquePrefix('Cache')),
}));

taskCacheStoreConformance('azurite (SDK client)', async () => ({
  backend: await openWith('sdk', uniquePrefix('Cache')),
}));
