import { indexStoreConformance } from '../../support/conformance/storage-index.js';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { createMemoryIndexStore } from '../../../src/adapters/memory/index-store.js';
import { createAzureIndexStore } from '../../../src/adapters/azure/index-store.js';

indexStoreConformance('memory', async () => createMemoryIndexStore(createMemoryWorld(), uniquePrefix('Ix')));
indexStoreConformance('azurite', async () => createAzureIndexStore(azuriteAccount(), uniquePrefix('Ix')));
