import { describe, expect, it } from 'vitest';
import { AckQueue, ROUND_REFILL_AT } from '../../../src/coordinator/ack-queue.js';
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
  it('keeps at most `concurrency` deletes in flight across pushes, in FIFO order, in rounds', async () => {
    const d = manualDeletes();
    const q = new AckQueue(d.del, 3);
    q.push([msg(1), msg(2)]);
    q.push([msg(3), msg(4), msg(5)]);
    expect(d.pending.map((p) => p.id)).toEqual(['m1', 'm2', 'm3']);
    expect(q.backlog).toBe(5);
    d.pending[0].done();
    await tick();
    // A round of 3 refills only once it settled (at most a quarter of 3 = 0 left in flight).
    expect(d.pending.map((p) => p.id)).toEqual(['m2', 'm3']);
    expect(q.backlog).toBe(4);
    d.pending[0].done();
    d.pending[1].done();
    await tick();
    expect(d.pending.map((p) => p.id)).toEqual(['m4', 'm5']);
    while (d.pending.length) {
      d.pending[0].done();
      await tick();
    }
    expect(q.backlog).toBe(0);
    expect(d.maxInFlight()).toBe(3);
  });

  it('starts the next round once at most a quarter of the limit is still in flight', async () => {
    const d = manualDeletes();
    const q = new AckQueue(d.del, 8);
    expect(q.limit).toBe(8);
    q.push(Array.from({ length: 20 }, (_, i) => msg(i + 1)));
    expect(d.pending.map((p) => p.id)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    for (const p of d.pending.slice(0, 5)) p.done();
    await tick();
    // Three of eight left in flight: more than a quarter, so no delete starts yet.
    expect(d.pending.map((p) => p.id)).toEqual(['m6', 'm7', 'm8']);
    d.pending[0].done();
    await tick();
    // Two left: the next round fills the limit again, in FIFO order.
    expect(d.pending.map((p) => p.id)).toEqual(['m7', 'm8', 'm9', 'm10', 'm11', 'm12', 'm13', 'm14']);
    expect(q.backlog).toBe(14);
    expect(ROUND_REFILL_AT).toBe(0.25);
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

  it('while reading, starts no delete but the probe the loop asks for, until the speed is known', async () => {
    const d = manualDeletes();
    const q = new AckQueue(d.del, 8);
    q.setReading(true);
    q.push([msg(1), msg(2), msg(3), msg(4)]);
    expect(d.pending).toEqual([]);
    expect(q.probeReady).toBe(true);
    let probed = false;
    void q.probe().then(() => (probed = true));
    // Exactly one delete, and no second probe while it runs.
    expect(d.pending.map((p) => p.id)).toEqual(['m1']);
    expect(q.probeReady).toBe(false);
    expect(q.speedKnown).toBe(false);
    expect(q.settleEstimateMs(0)).toBeNull();
    d.pending[0].done();
    await tick();
    expect(probed).toBe(true);
    expect(q.speedKnown).toBe(true);
    expect(q.probeReady).toBe(false);
    // Speed known: reading starts no further delete…
    expect(d.pending).toEqual([]);
    expect(q.backlog).toBe(3);
    // …and stopping reading runs all of them at once.
    q.setReading(false);
    expect(d.pending.map((p) => p.id)).toEqual(['m2', 'm3', 'm4']);
  });

  it('while reading, runs one burst of `concurrency` deletes on request, once per reading phase', async () => {
    const d = manualDeletes();
    const q = new AckQueue(d.del, 3);
    q.setReading(true);
    q.push([msg(1), msg(2), msg(3), msg(4), msg(5), msg(6)]);
    // No burst before the probe has timed a delete.
    expect(q.burstReady).toBe(false);
    void q.probe();
    d.pending[0].done();
    await tick();
    expect(q.burstReady).toBe(true);
    let burstDone = false;
    void q.burst().then(() => (burstDone = true));
    expect(d.pending.map((p) => p.id)).toEqual(['m2', 'm3', 'm4']);
    expect(q.burstReady).toBe(false);
    d.pending[0].done();
    d.pending[1].done();
    await tick();
    // Still reading: a settled burst delete starts no other, and the burst waits for its last one.
    expect(d.pending.map((p) => p.id)).toEqual(['m4']);
    expect(burstDone).toBe(false);
    d.pending[0].done();
    await tick();
    expect(burstDone).toBe(true);
    expect(q.burstReady).toBe(false);
    // A new reading phase may burst again.
    q.setReading(false);
    expect(d.pending.map((p) => p.id)).toEqual(['m5', 'm6']);
    q.push([msg(7), msg(8)]);
    d.pending[0].done();
    d.pending[1].done();
    await tick();
    q.setReading(true);
    expect(q.burstReady).toBe(false);
    d.pending.forEach((p) => p.done());
    await tick();
    q.push([msg(9), msg(10)]);
    expect(q.burstReady).toBe(true);
  });

  it('estimates from the cost of one delete: a delete timed alone counts in full', async () => {
    const fakeNow = { t: 0 };
    const real = performance.now.bind(performance);
    performance.now = () => fakeNow.t;
    try {
      const d = manualDeletes();
      const q = new AckQueue(d.del, 64);
      q.setReading(true);
      q.push([msg(1)]);
      void q.probe();
      fakeNow.t = 100;
      d.pending[0].done();
      await tick();
      // 100 ms alone: 100 ms per delete, not "64 per 100 ms" (a round of the full concurrency).
      q.push(Array.from({ length: 10 }, (_, i) => msg(10 + i)));
      expect(q.settleEstimateMs(20, 100)).toBeCloseTo(30 * 100);
      q.setReading(false);
      expect(d.pending).toHaveLength(10);
      // Ten in flight together for 100 ms: 10 ms per delete; the average moves towards it.
      fakeNow.t = 200;
      for (let i = 0; i < 10; i++) d.pending[0].done();
      await tick();
      const after = q.settleEstimateMs(100, 200);
      expect(after).not.toBeNull();
      expect(after!).toBeLessThan(100 * 100);
      expect(after!).toBeGreaterThan(100 * 10);
    } finally {
      performance.now = real;
    }
  });

  it('counts a stalled delete at once', async () => {
    const fakeNow = { t: 0 };
    const real = performance.now.bind(performance);
    performance.now = () => fakeNow.t;
    try {
      const d = manualDeletes();
      const q = new AckQueue(d.del, 4);
      q.push([msg(1)]);
      d.pending[0].done();
      await tick();
      // The first delete settled at once (cost 0); the next one hangs for 5 s.
      q.push([msg(2)]);
      expect(q.settleEstimateMs(9, 5000)).toBeGreaterThanOrEqual(10 * 5000);
    } finally {
      performance.now = real;
    }
  });

  it('tells its listeners when deletes are queued and each time one settles', async () => {
    const d = manualDeletes();
    const q = new AckQueue(d.del, 2);
    const seen: number[] = [];
    q.onChange(() => seen.push(q.backlog));
    q.push([msg(1), msg(2), msg(3)]);
    expect(seen).toEqual([3]);
    d.pending[0].done();
    await tick();
    expect(seen).toEqual([3, 2]);
    expect(d.pending.map((p) => p.id)).toEqual(['m2']);
    d.pending[0].done();
    await tick();
    expect(seen).toEqual([3, 2, 1]);
    expect(d.pending.map((p) => p.id)).toEqual(['m3']);
    d.pending[0].done();
    await tick();
    expect(seen).toEqual([3, 2, 1, 0]);
  });
});
