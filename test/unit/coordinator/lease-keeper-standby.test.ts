/**
 * The standby side of a graceful hand-over (issue 17), on the memory lease: a standby watches the lease
 * with one status read per interval, and polls fast while the holder's mark says it is releasing, so
 * it takes the lease within a fraction of its (long) interval once the holder lets go.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { createMemoryLease } from '../../../src/adapters/memory/lease.js';
import { LeaseKeeper, RELEASING_POLL_MS } from '../../../src/coordinator/lease-keeper.js';
import type { CoordinatorLease, LeaseStatus } from '../../../src/ports/lease.js';
import type { CoordinatorStats } from '../../../src/coordinator/stats.js';
import { silentLogger } from '../../../src/log.js';

const HOLDER = { coordinatorId: 'x', host: 'h', pid: 1, startedAt: null };

/** A lease that counts its calls. */
function counted(lease: CoordinatorLease) {
  const calls = { status: 0, acquire: 0 };
  const wrapped: CoordinatorLease = {
    leaseId: lease.leaseId,
    acquire: (d, h) => (calls.acquire++, lease.acquire(d, h)),
    renew: () => lease.renew(),
    release: () => lease.release(),
    break: () => lease.break(),
    announceRelease: () => lease.announceRelease(),
    status: (): Promise<LeaseStatus> => (calls.status++, lease.status()),
  };
  return { lease: wrapped, calls };
}

function keeper(lease: CoordinatorLease): LeaseKeeper {
  return new LeaseKeeper(lease, HOLDER, {} as CoordinatorStats, silentLogger(), {
    durationS: 20,
    renewIntervalS: 5,
    onRegained: () => undefined,
    onFatal: () => undefined,
  });
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('LeaseKeeper standby wait', () => {
  it('takes a released lease within the fast poll when the holder announced its release', async () => {
    const world = createMemoryWorld();
    const leader = keeper(createMemoryLease(world, 'Kp'));
    await leader.acquire(false);
    leader.announceRelease();
    const { lease, calls } = counted(createMemoryLease(world, 'Kp'));
    const standby = keeper(lease);
    let waiting = 0;
    let got: boolean | null = null;
    // A one-minute interval: only the releasing mark can make the standby look again soon.
    void standby
      .acquireWhenFree({ breakFirst: false, intervalMs: 60_000, onWaiting: () => waiting++ })
      .then((r) => (got = r));
    await waitFor(() => calls.status >= 3, 2_000);
    expect(waiting).toBe(1);
    expect(standby.leaseState).toBe('standby');
    const released = Date.now();
    await leader.stop();
    await waitFor(() => got !== null, 2_000);
    expect(got).toBe(true);
    expect(standby.held()).toBe(true);
    expect(Date.now() - released).toBeLessThan(RELEASING_POLL_MS * 10);
    await standby.stop();
  });

  it('watches with one status read per interval (no acquire attempts) while the holder is not releasing', async () => {
    const world = createMemoryWorld();
    const leader = keeper(createMemoryLease(world, 'Kq'));
    await leader.acquire(false);
    const { lease, calls } = counted(createMemoryLease(world, 'Kq'));
    const standby = keeper(lease);
    let got: boolean | null = null;
    void standby
      .acquireWhenFree({ breakFirst: false, intervalMs: 50, onWaiting: () => undefined })
      .then((r) => (got = r));
    await waitFor(() => calls.status >= 6, 3_000);
    // One acquire (the first attempt, refused); every later look is a status read.
    expect(calls.acquire).toBe(1);
    await leader.stop();
    await waitFor(() => got !== null, 2_000);
    expect(got).toBe(true);
    expect(calls.acquire).toBe(2);
    standby.interruptWait();
    await standby.stop();
  });

  it('interruptWait makes a waiting standby return false without taking the lease', async () => {
    const world = createMemoryWorld();
    const leader = keeper(createMemoryLease(world, 'Kr'));
    await leader.acquire(false);
    const standby = keeper(createMemoryLease(world, 'Kr'));
    const wait = standby.acquireWhenFree({
      breakFirst: false,
      intervalMs: 60_000,
      onWaiting: () => undefined,
    });
    await waitFor(() => standby.leaseState === 'standby', 2_000);
    standby.interruptWait();
    expect(await wait).toBe(false);
    expect((await createMemoryLease(world, 'Kr').status()).holder?.coordinatorId).toBe('x');
    await leader.stop();
  });
});
