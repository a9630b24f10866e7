import { leaseConformance } from '../../support/conformance/storage-lease.js';
import { azuriteAccount, uniquePrefix, waitFor } from '../../support/azurite.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { createMemoryLease } from '../../../src/adapters/memory/lease.js';
import { createAzureLease } from '../../../src/adapters/azure/lease.js';
import { createRestLease } from '../../../src/adapters/azure/rest/open.js';
import type { CoordinatorLease } from '../../../src/ports/lease.js';
import type { AccountSpec } from '../../../src/config/types.js';

leaseConformance('memory', async () => {
  const world = createMemoryWorld();
  let offsetMs = 0;
  world.now = () => Date.now() + offsetMs;
  const prefix = uniquePrefix('Ls');
  return {
    prefix,
    lease: () => createMemoryLease(world, prefix),
    expire: async (durationS) => {
      offsetMs += durationS * 1000 + 1;
    },
  };
});

for (const [client, create] of [
  ['SDK client', createAzureLease],
  ['lean client', createRestLease],
] as [string, (a: AccountSpec, prefix: string) => CoordinatorLease][]) {
  leaseConformance(`azurite (${client})`, async () => {
    const account = azuriteAccount();
    const prefix = uniquePrefix('Ls');
    return {
      prefix,
      lease: () => create(account, prefix),
      // Real time: poll the lease state instead of sleeping a fixed 15 s.
      expire: async (durationS) => {
        const probe = create(account, prefix);
        await waitFor(async () => (await probe.status()).state === 'expired', {
          timeoutMs: (durationS + 10) * 1000,
          intervalMs: 250,
          what: 'lease expiry',
        });
      },
    };
  });
}
