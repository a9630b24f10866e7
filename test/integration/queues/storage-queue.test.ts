import { describe, expect, it } from 'vitest';
import { createQueueServiceClient, StorageQueueClient } from '../../../src/adapters/azure/storage-queue.js';
import { createQueuePool } from '../../../src/adapters/queue-pool.js';
import { isJobqError } from '../../../src/errors.js';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { queueConformance } from '../../support/conformance/queue.js';

describe('Storage Queue adapter on Azurite, SDK client', () => {
  const prefix = uniquePrefix('q').toLowerCase();
  const service = createQueueServiceClient(azuriteAccount());
  let n = 0;
  queueConformance(async () => {
    const name = `${prefix}-${n++}`;
    return new StorageQueueClient(service, name, name);
  });

  it('the pool opens each queue once and shares it between spellings of the same address', async () => {
    const pool = createQueuePool({ kind: 'storage', account: azuriteAccount() });
    const name = `${prefix}-pool`;
    const a = pool.get(name);
    expect(pool.get(name)).toBe(a);
    expect(pool.get(`devstoreaccount1/${name}`)).toBe(a);
    await a.ensure();
    await pool.get(`devstoreaccount1/${name}`).send('hello');
    const other = pool.get(`${prefix}-pool2`);
    await other.ensure();
    expect(await a.approximateDepth()).toBe(1);
    expect(pool.transactions()).toMatchObject({ send: 1 });
    expect(pool.transactions().other).toBeGreaterThanOrEqual(3);
    await a.clear();
    await pool.close();
  });

  it('an invalid queue name fails at ensure with a clear configuration error', async () => {
    const q = new StorageQueueClient(service, 'Bad_Name', 'Bad_Name');
    const err = await q.ensure().catch((e: unknown) => e);
    expect(isJobqError(err, 'ConfigError')).toBe(true);
    expect(String((err as Error).message)).toContain('lowercase');
  });

  it('extending a message that was deleted reports it lost', async () => {
    const name = `${prefix}-lost`;
    const q = new StorageQueueClient(service, name, name);
    await q.ensure();
    await q.send('x');
    const [m] = await q.receive(1, 30);
    await q.delete(m);
    const err = await q.extend(m, 30).catch((e: unknown) => e);
    expect(isJobqError(err, 'MessageLostError')).toBe(true);
  });

  it('nothing listening gives StorageUnreachableError naming `jobq azurite`', async () => {
    const account = azuriteAccount();
    if (account.kind !== 'azurite') throw new Error('expected the Azurite account');
    const dead = createQueueServiceClient({ ...account, queuePort: 1 });
    const q = new StorageQueueClient(dead, 'nowhere', 'nowhere');
    const err = await q.approximateDepth().catch((e: unknown) => e);
    expect(isJobqError(err, 'StorageUnreachableError')).toBe(true);
    expect(String((err as Error).message)).toContain('jobq azurite');
  });
});
