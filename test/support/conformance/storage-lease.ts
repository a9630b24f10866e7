/** CoordinatorLease conformance: held/refused/renewed/broken/released/expired, memory and Azurite alike. */
import { describe, it, expect } from 'vitest';
import type { CoordinatorLease, LeaseHolderInfo } from '../../../src/ports/lease.js';
import { isJobqError } from '../../../src/errors.js';
import { JOBQ_VERSION } from '../../../src/version.js';

export interface LeaseHarness {
  prefix: string;
  /** A new lease handle (new lease id) on the harness's prefix, as a second process would open. */
  lease(): CoordinatorLease;
  /** Let a lease of `durationS` lapse (memory: move the clock; Azurite: really wait). */
  expire(durationS: number): Promise<void>;
}

const holder = (name: string): LeaseHolderInfo => ({
  coordinatorId: name,
  host: `host-${name}`,
  pid: 4242,
  startedAt: '2026-11-25T10:00:00.000Z',
});

export function leaseConformance(adapter: string, open: () => Promise<LeaseHarness>): void {
  describe(`CoordinatorLease conformance (${adapter})`, () => {
    it('one holder at a time: a second acquire is refused naming the prefix, the holder and --break-lease', async () => {
      const h = await open();
      const a = h.lease();
      const b = h.lease();
      await a.acquire(60, holder('A'));
      const err = await b.acquire(60, holder('B')).catch((e: unknown) => e);
      expect(isJobqError(err, 'LeaseHeldError')).toBe(true);
      expect((err as Error).message).toContain(`prefix '${h.prefix}'`);
      expect((err as Error).message).toContain('host-A');
      expect((err as Error).message).toContain('--break-lease');
      expect(await b.status()).toEqual({
        state: 'leased',
        holder: holder('A'),
        jobq: { version: JOBQ_VERSION, current: true },
      });
      await a.renew();
      await a.acquire(60, holder('A')); // re-acquire with the same id is allowed
      await a.release();
      expect((await b.status()).state).toBe('available');
      await b.acquire(30, holder('B'));
      expect((await a.status()).holder).toEqual(holder('B'));
      await b.release();
    });

    it('break takes the lease away: the old holder learns it on renew, a new holder can acquire', async () => {
      const h = await open();
      const a = h.lease();
      const b = h.lease();
      await a.acquire(60, holder('A'));
      await b.break();
      expect((await b.status()).state).toBe('broken');
      await b.acquire(60, holder('B'));
      const err = await a.renew().catch((e: unknown) => e);
      expect(isJobqError(err, 'LeaseLostError')).toBe(true);
      expect((err as Error).message).toContain(h.prefix);
      await b.release();
    });

    it('break and release without a lease (or without a lock blob) are no-ops', async () => {
      const h = await open();
      const a = h.lease();
      expect((await a.status()).state).toBe('missing');
      await a.break();
      await a.release();
      await a.acquire(15, holder('A'));
      await a.release();
      await a.break();
      expect((await a.status()).state).toBe('available');
    });

    it('a jobq holder marks the lock blob with its version; release removes the mark', async () => {
      const h = await open();
      const a = h.lease();
      await a.acquire(20, holder('A'));
      await a.renew();
      expect((await h.lease().status()).jobq).toEqual({ version: JOBQ_VERSION, current: true });
      await a.release();
      const after = await h.lease().status();
      expect(after.state).toBe('available');
      expect(after.jobq).toBeNull();
      expect(after.holder).toEqual(holder('A'));
    });

    it('announceRelease marks the lease releasing for standbys until release; a new holder starts unmarked', async () => {
      const h = await open();
      const a = h.lease();
      await a.acquire(20, holder('A'));
      await a.announceRelease();
      expect(await h.lease().status()).toEqual({
        state: 'leased',
        holder: holder('A'),
        jobq: { version: JOBQ_VERSION, current: true, releasing: true },
      });
      await a.renew(); // a renewal (and its mark refresh) keeps the flag
      expect((await h.lease().status()).jobq?.releasing).toBe(true);
      await a.release();
      const after = await h.lease().status();
      expect(after.state).toBe('available');
      expect(after.jobq).toBeNull();
      const b = h.lease();
      await b.acquire(20, holder('B'));
      expect((await h.lease().status()).jobq).toEqual({ version: JOBQ_VERSION, current: true });
      await b.release();
      await b.announceRelease(); // not held: a no-op that never throws
      expect((await h.lease().status()).jobq).toBeNull();
    });

    it('acquire creates a missing lock blob (and container) itself', async () => {
      const h = await open();
      const a = h.lease();
      expect((await a.status()).state).toBe('missing');
      await a.acquire(15, holder('A'));
      expect((await h.lease().status()).state).toBe('leased');
      await a.release();
    });

    it('rejects durations outside 15-60 s', async () => {
      const h = await open();
      for (const d of [10, 61, 20.5]) {
        const err = await h
          .lease()
          .acquire(d, holder('A'))
          .catch((e: unknown) => e);
        expect(isJobqError(err, 'ConfigError')).toBe(true);
      }
    });

    it('an expired lease can be taken by another holder; the old one then loses it', async () => {
      const h = await open();
      const a = h.lease();
      const b = h.lease();
      await a.acquire(15, holder('A'));
      await h.expire(15);
      expect((await b.status()).state).toBe('expired');
      await b.acquire(15, holder('B'));
      const err = await a.renew().catch((e: unknown) => e);
      expect(isJobqError(err, 'LeaseLostError')).toBe(true);
      await b.release();
    }, 40_000);
  });
}
