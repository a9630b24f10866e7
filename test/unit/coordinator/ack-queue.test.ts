import { describe, expect, it } from 'vitest';
import { AckQueue } from '../../../src/coordinator/ack-queue.js';
import type { ReceivedMessage } from '../../../src/ports/queue.js';

const msg = (i: number): ReceivedMessage => ({
  id: `m${i}`,
  body: '',
  dequeueCount: 1,
  enqueuedAt: 0,
  handle: `h${i}`,
});

/** A delete that settles only when the test says so. */
function manualDeletes() {
  const pending: { id: string; done: () => void }[] = [];
  let maxInFlight = 0;
  const del = (m: ReceivedMessage) =>
    new Promise<void>((resolve) => {
      pending.push({ id: m.id, done: resolve });
      maxInFlight = Math.max(maxInFlight, pending.length);
    }).then(() => {
      pending.splice(
        pending.findIndex((p) => p.id === m.id),
        1,
      );
    });
  return { del, pending, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('AckQueue', () => {
  it('keeps at most `concurrency` deletes in flight across pushes, in FIFO order', async () => {
    const d = manualDeletes();
    const q = new AckQueue(d.del, 3);
    q.push([msg(1), msg(2)]);
    q.push([msg(3), msg(4), msg(5)]);
    expect(d.pending.map((p) => p.id)).toEqual(['m1', 'm2', 'm3']);
    expect(q.backlog).toBe(5);
    d.pending[0].done();
    await tick();
    expect(d.pending.map((p) => p.id)).toEqual(['m2', 'm3', 'm4']);
    expect(q.backlog).toBe(4);
    while (d.pending.length) {
      d.pending[0].done();
      await tick();
    }
    expect(q.backlog).toBe(0);
    expect(d.maxInFlight()).toBe(3);
  });

  it('resolves backlog waiters once the backlog falls to their limit', async () => {
    const d = manualDeletes();
    const q = new AckQueue(d.del, 2);
    q.push([msg(1), msg(2), msg(3), msg(4)]);
    let atTwo = false;
    let empty = false;
    void q.whenBacklogAtMost(2).then(() => (atTwo = true));
    void q.whenBacklogAtMost(0).then(() => (empty = true));
    d.pending[0].done();
    await tick();
    expect(atTwo).toBe(false);
    d.pending[0].done();
    await tick();
    expect(atTwo).toBe(true);
    expect(empty).toBe(false);
    d.pending[0].done();
    d.pending[1].done();
    await tick();
    expect(empty).toBe(true);
    await expect(q.whenBacklogAtMost(0)).resolves.toBeUndefined();
  });

  it('keeps going after a delete fails', async () => {
    let calls = 0;
    const q = new AckQueue(async () => {
      calls++;
      if (calls === 1) throw new Error('gone');
    }, 1);
    q.push([msg(1), msg(2), msg(3)]);
    await q.whenBacklogAtMost(0);
    expect(calls).toBe(3);
  });
});
