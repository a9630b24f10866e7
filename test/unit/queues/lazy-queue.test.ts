/** lazyQueueClient: the backend loads on the first operation, once, and every call reaches it. */
import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../../../src/adapters/memory/queue.js';
import { lazyQueueClient } from '../../../src/adapters/lazy-queue.js';
import { createQueuePool } from '../../../src/adapters/queue-pool.js';
import type { QueueClient } from '../../../src/ports/queue.js';

const info = { name: 'q', spec: 'sb://ns/q', backend: 'service-bus' as const, maxMessageBytes: 1000 };

describe('lazyQueueClient', () => {
  it('loads nothing until used, then loads once and delegates', async () => {
    const broker = new MemoryBroker();
    let loads = 0;
    const q = lazyQueueClient(info, async () => {
      loads++;
      return broker.client('q', 'sb://ns/q');
    });
    expect(loads).toBe(0);
    expect([q.name, q.spec, q.backend, q.maxMessageBytes]).toEqual(['q', 'sb://ns/q', 'service-bus', 1000]);
    expect(q.transactions.send).toBe(0);
    await Promise.all([q.send('a'), q.send('b')]);
    expect(loads).toBe(1);
    expect(await q.approximateDepth()).toBe(2);
    const got = await q.receive(10, 30);
    expect(got.map((m) => m.body).sort()).toEqual(['a', 'b']);
    await q.delete(got[0]);
    await q.release(got[1]);
    expect(await q.approximateDepth()).toBe(1);
    expect(q.transactions.send).toBe(2);
    expect(q.transactions.delete).toBe(1);
    expect(loads).toBe(1);
  });

  it('closing a client that was never used loads nothing', async () => {
    let loads = 0;
    const q = lazyQueueClient(info, async () => {
      loads++;
      return new MemoryBroker().client('q', 'q');
    });
    await q.close();
    expect(loads).toBe(0);
  });

  it('a failed load fails the operation that needed it', async () => {
    const q: QueueClient = lazyQueueClient(info, async () => {
      throw new Error('no SDK');
    });
    await expect(q.send('x')).rejects.toThrow('no SDK');
  });
});

describe('createQueuePool with an sb:// queue', () => {
  it('hands out a client without opening the namespace', async () => {
    const pool = createQueuePool({ kind: 'service-bus', namespace: 'nowhere', connectionString: null });
    const q = pool.get('sb://nowhere/tasks');
    expect([q.name, q.backend, q.maxMessageBytes]).toEqual(['tasks', 'service-bus', 256 * 1024]);
    expect(pool.transactions().send).toBe(0);
    await pool.close();
  });
});
