import { describe, expect, it } from 'vitest';
import { MemoryBroker, createMemoryQueuePool } from '../../../src/adapters/memory/queue.js';
import { queueConformance } from '../../support/conformance/queue.js';

describe('memory queue adapter', () => {
  const broker = new MemoryBroker();
  let n = 0;
  queueConformance(async () => broker.client(`q${n++}`));

  it('the pool maps every spec form to its queue name and opens it once', () => {
    const pool = createMemoryQueuePool(new MemoryBroker());
    const a = pool.get('work');
    expect(pool.get('work')).toBe(a);
    expect(pool.get('devstoreaccount1/work').name).toBe('work');
    expect(pool.get('sb://ns/work').name).toBe('work');
  });

  it('the pool sums the transactions of every queue it opened', async () => {
    const b = new MemoryBroker();
    const pool = createMemoryQueuePool(b);
    await pool.get('a').send('1');
    await pool.get('b').send('2');
    await pool.get('b').receive(32, 30);
    expect(pool.transactions()).toMatchObject({ send: 2, receive: 1, emptyReceive: 0 });
  });

  it('visibility follows the broker clock, so tests can move time without sleeping', async () => {
    const b = new MemoryBroker();
    let now = 1_000_000;
    b.now = () => now;
    const q = b.client('t');
    await q.send('x');
    const [m] = await q.receive(1, 30);
    now += 29_000;
    expect(await q.receive(1, 30)).toEqual([]);
    now += 2_000;
    const [again] = await q.receive(1, 30);
    expect(again.dequeueCount).toBe(2);
    // The first holder's receipt is stale now: deleting with it must not remove the redelivered message.
    await q.delete(m);
    expect(await q.approximateDepth()).toBe(1);
  });
});
