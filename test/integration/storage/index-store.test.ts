import { indexStoreConformance } from '../../support/conformance/storage-index.js';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { createMemoryIndexStore } from '../../../src/adapters/memory/index-store.js';
import { createAzureIndexStore } from '../../../src/adapters/azure/index-store.js';

indexStoreConformance('memory', async () => createMemoryIndexStore(createMemoryWorld(), uniquePrefix('Ix')));
// Both table clients on the same Azurite: the lean REST client (default) and @azure/data-tables.
indexStoreConformance('azurite (lean REST client)', async () =>
  createAzureIndexStore(azuriteAccount(), uniquePrefix('Ix'), 'lean'),
);
indexStoreConformance('azurite (@azure/data-tables)', async () =>
  createAzureIndexStore(azuriteAccount(), uniquePrefix('Ix'), 'sdk'),
);
