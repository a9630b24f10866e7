/**
 * LockStore conformance (issue 19 §3): create-only slot holds (never granted twice, not even to racing
 * writers), idempotent re-acquire, release by attempt, FIFO waiter records, lock listing, durability
 * across store instances. Every adapter of the port runs this one suite.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import type { LockOwner, LockStore } from '../../../src/ports/lock-store.js';

export interface LockStoreHarness {
  /** A new store instance over the same storage each call (a restarted coordinator). */
  open(): LockStore;
}

const owner = (workflowId: string, task: string, attempt = 1): LockOwner => ({ workflowId, task, attempt });
const T = Date.UTC(2026, 11, 1, 23, 0, 0);

export function lockStoreConformance(adapter: string, make: () => Promise<LockStoreHarness>): void {
  describe(`LockStore conformance (${adapter})`, () => {
    let h: LockStoreHarness;
    let n = 0;
    /** A lock name of its own per test (names with '.' and ':' as the keeper makes them). */
    const lock = () => `mutex.conf:${adapter.replace(/[^a-z]/gi, '')}-${++n}`;
    beforeAll(async () => {
      h = await make();
    });

    it('grants slots below the limit, one per task, then refuses', async () => {
      const s = h.open();
      const l = lock();
      const a = await s.acquire(l, 2, owner('wf1', 'a'), T);
      expect(a).toMatchObject({ lock: l, slot: 0, owner: owner('wf1', 'a'), pushed: false });
      expect(a?.acquiredAt).toBe(new Date(T).toISOString());
      expect((await s.acquire(l, 2, owner('wf2', 'b'), T))?.slot).toBe(1);
      expect(await s.acquire(l, 2, owner('wf3', 'c'), T)).toBeNull();
      expect((await s.holds(l)).map((x) => [x.slot, x.owner.workflowId])).toEqual([
        [0, 'wf1'],
        [1, 'wf2'],
      ]);
    });

    it('re-acquiring returns the task’s existing hold (any attempt), never a second slot', async () => {
      const s = h.open();
      const l = lock();
      await s.acquire(l, 3, owner('wf1', 'a', 1), T);
      const again = await s.acquire(l, 3, owner('wf1', 'a', 2), T + 1);
      expect(again).toMatchObject({ slot: 0, owner: owner('wf1', 'a', 1) });
      expect(await s.holds(l)).toHaveLength(1);
    });

    it('never grants one slot twice: ten racing writers, limit 3, exactly three holds', async () => {
      const l = lock();
      const got = await Promise.all(
        Array.from({ length: 10 }, (_, i) => h.open().acquire(l, 3, owner(`wf${i}`, 't'), T)),
      );
      const granted = got.filter((x) => x !== null);
      const holds = await h.open().holds(l);
      expect(holds).toHaveLength(3);
      expect(new Set(holds.map((x) => x.slot))).toEqual(new Set([0, 1, 2]));
      expect(granted).toHaveLength(3);
      for (const g of granted)
        expect(holds.find((x) => x.slot === g!.slot)?.owner.workflowId).toBe(g!.owner.workflowId);
    });

    it('markPushed is durable and only touches the hold of its own task', async () => {
      const s = h.open();
      const l = lock();
      const a = (await s.acquire(l, 1, owner('wf1', 'a'), T))!;
      await s.markPushed(a);
      expect((await h.open().holds(l))[0].pushed).toBe(true);
      await s.release(l, owner('wf1', 'a'));
      const b = (await s.acquire(l, 1, owner('wf2', 'b'), T))!;
      await s.markPushed(a); // the slot now belongs to wf2/b
      expect((await s.holds(l))[0]).toMatchObject({ owner: b.owner, pushed: false });
    });

    it('release drops the task’s hold at that attempt or older, not a newer one; the slot is free again', async () => {
      const s = h.open();
      const l = lock();
      await s.acquire(l, 1, owner('wf1', 'a', 2), T);
      expect(await s.release(l, owner('wf1', 'a', 1))).toBe(false);
      expect(await s.holds(l)).toHaveLength(1);
      expect(await s.release(l, owner('wf1', 'b', 5))).toBe(false);
      expect(await s.release(l, owner('wf1', 'a', 2))).toBe(true);
      expect(await s.holds(l)).toEqual([]);
      expect(await s.release(l, owner('wf1', 'a', 2))).toBe(false);
      expect((await s.acquire(l, 1, owner('wf9', 'z'), T))?.slot).toBe(0);
    });

    it('waiters come back FIFO by ready time; re-adding keeps the place with the newer attempt', async () => {
      const s = h.open();
      const l = lock();
      await s.addWaiter({ lock: l, owner: owner('wfB', 'b'), readyAtMs: T + 20 });
      await s.addWaiter({ lock: l, owner: owner('wfA', 'a'), readyAtMs: T + 10 });
      await s.addWaiter({ lock: l, owner: owner('wfC', 'c'), readyAtMs: T + 30 });
      const kept = await s.addWaiter({ lock: l, owner: owner('wfA', 'a', 2), readyAtMs: T + 99 });
      expect(kept.readyAtMs).toBe(T + 10);
      const order = await h.open().waiters(l);
      expect(order.map((w) => `${w.owner.workflowId}/${w.owner.attempt}@${w.readyAtMs - T}`)).toEqual([
        'wfA/2@10',
        'wfB/1@20',
        'wfC/1@30',
      ]);
      await s.removeWaiter(l, { workflowId: 'wfB', task: 'b' });
      expect((await s.waiters(l)).map((w) => w.owner.workflowId)).toEqual(['wfA', 'wfC']);
      await s.removeWaiter(l, { workflowId: 'nobody', task: 'x' });
      expect(await s.waiters(l)).toHaveLength(2);
    });

    it('locks() names every lock with a hold or a waiter; locks are independent', async () => {
      const s = h.open();
      const held = lock();
      const waited = lock();
      await s.acquire(held, 1, owner('wf1', 'a'), T);
      await s.addWaiter({ lock: waited, owner: owner('wf1', 'b'), readyAtMs: T });
      const all = await h.open().locks();
      expect(all).toEqual(expect.arrayContaining([held, waited]));
      expect(await s.waiters(held)).toEqual([]);
      expect(await s.holds(waited)).toEqual([]);
      await s.release(held, owner('wf1', 'a'));
      await s.removeWaiter(waited, { workflowId: 'wf1', task: 'b' });
      const after = await s.locks();
      expect(after).not.toContain(held);
      expect(after).not.toContain(waited);
    });
  });
}
