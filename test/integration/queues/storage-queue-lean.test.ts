import { describe, expect, it } from 'vitest';
import { RestStorageQueueClient } from '../../../src/adapters/azure/rest/storage-queue.js';
import { queueRestEndpoint } from '../../../src/adapters/azure/rest/endpoints.js';
import { createQueuePool } from '../../../src/adapters/queue-pool.js';
import { isJobqError } from '../../../src/errors.js';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { queueConformance } from '../../support/conformance/queue.js';

describe('Storage Queue adapter on Azurite, lean client', () => {
  const prefix = uniquePrefix('ql').toLowerCase();
  const endpoint = queueRestEndpoint(azuriteAccount());
  let n = 0;
  queueConformance(async () => {
    const name = `${prefix}-${n++}`;
    return new RestStorageQueueClient(endpoint, name, name);
  });

  it('the default pool opens lean clients, once per queue, shared between spellings', async () => {
    const pool = createQueuePool({ kind: 'storage', account: azuriteAccount() });
    const name = `${prefix}-pool`;
    const a = pool.get(name);
    expect(a).toBeInstanceOf(RestStorageQueueClient);
    expect(pool.get(`devstoreaccount1/${name}`)).toBe(a);
    await a.ensure();
    await pool.get(`devstoreaccount1/${name}`).send('hello');
    expect(await a.approximateDepth()).toBe(1);
    expect(pool.transactions()).toMatchObject({ send: 1 });
    await a.clear();
    await pool.close();
  });

  it('bodies with XML metacharacters, CR and non-ASCII text come back byte for byte', async () => {
    const name = `${prefix}-xml`;
    const q = new RestStorageQueueClient(endpoint, name, name);
    await q.ensure();
    const body = '{"a": "<b>&amp;</b> \'q\' \\"x\\"", "cr": "line\r\nnext\r", "u": "é 日本 😀", "lt": "]]>"}';
    await q.send(body);
    const [m] = await q.receive(1, 30);
    expect(m.body).toBe(body);
    expect(m.dequeueCount).toBe(1);
    expect(typeof m.enqueuedAt).toBe('number');
    await q.delete(m);
    await q.clear();
  });

  it('ensure on an existing queue succeeds, and an invalid name is a configuration error', async () => {
    const name = `${prefix}-twice`;
    const q = new RestStorageQueueClient(endpoint, name, name);
    await q.ensure();
    await q.ensure();
    const bad = new RestStorageQueueClient(endpoint, 'Bad_Name', 'Bad_Name');
    const err = await bad.ensure().catch((e: unknown) => e);
    expect(isJobqError(err, 'ConfigError')).toBe(true);
    expect(String((err as Error).message)).toContain('lowercase');
  });

  it('extending a message that was deleted reports it lost', async () => {
    const name = `${prefix}-lost`;
    const q = new RestStorageQueueClient(endpoint, name, name);
    await q.ensure();
    await q.send('x');
    const [m] = await q.receive(1, 30);
    await q.delete(m);
    await q.delete(m); // already gone: not an error
    const err = await q.extend(m, 30).catch((e: unknown) => e);
    expect(isJobqError(err, 'MessageLostError')).toBe(true);
  });

  it('a receive on a missing queue is a 404 the caller sees, not a retry loop', async () => {
    const q = new RestStorageQueueClient(endpoint, `${prefix}-never`, 'never');
    const err = await q.receive(1, 30).catch((e: unknown) => e);
    expect((err as { statusCode?: number }).statusCode).toBe(404);
    expect((err as { code?: string }).code).toBe('QueueNotFound');
  });

  it('nothing listening gives StorageUnreachableError naming `jobq azurite`', async () => {
    const account = azuriteAccount();
    if (account.kind !== 'azurite') throw new Error('expected the Azurite account');
    const dead = queueRestEndpoint({ ...account, queuePort: 1 });
    const q = new RestStorageQueueClient(dead, 'nowhere', 'nowhere');
    const err = await q.approximateDepth().catch((e: unknown) => e);
    expect(isJobqError(err, 'StorageUnreachableError')).toBe(true);
    expect(String((err as Error).message)).toContain('jobq azurite');
  });
});
