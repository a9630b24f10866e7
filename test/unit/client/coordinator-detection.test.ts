/**
 * How `submit` tells a jobq coordinator from another one (DECISIONS §4.16), on the memory lease with
 * a movable clock: the mark stays current while its holder renews, goes stale within two lease
 * durations once the holder is gone, and is removed on release.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryWorld, type MemoryWorld } from '../../../src/adapters/memory/world.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { LOCK_BLOB, resourceNames } from '../../../src/adapters/names.js';
import { detectCoordinator } from '../../../src/client/root-dispatch.js';
import { silentLogger } from '../../../src/log.js';
import type { Backend } from '../../../src/ports/backend.js';

const HOLDER = { coordinatorId: 'c1', host: 'h', pid: 1, startedAt: null };

function setup(): { world: MemoryWorld; backend: Backend; tick: (s: number) => void } {
  const world = createMemoryWorld();
  let now = Date.UTC(2026, 11, 1, 12, 0, 0);
  world.now = () => now;
  const backend = openMemoryBackend(world, 'Mark');
  return { world, backend, tick: (s) => (now += s * 1000) };
}

/** Take (or renew) the lease as the reference does: a plain lease, the blob's metadata left as it is. */
function foreignAcquire(world: MemoryWorld): void {
  const blob = world.blobs.containers.get(resourceNames('Mark').stateContainer)!.get(LOCK_BLOB)!;
  blob.lease = { id: 'python', expiresAt: world.now() + 60_000, broken: false };
}

const kind = (b: Backend) => detectCoordinator(b, silentLogger());

describe('coordinator detection from the lease mark', () => {
  it('a renewing jobq holder stays jobq for as long as it runs', async () => {
    const { backend, tick } = setup();
    expect(await kind(backend)).toBe('none');
    await backend.lease.acquire(60, HOLDER);
    for (let i = 0; i < 40; i++) {
      tick(15);
      await backend.lease.renew();
      expect(await kind(backend)).toBe('jobq');
    }
  });

  it('a reference coordinator taking over a crashed jobq holder is recognised within two lease durations', async () => {
    const { world, backend, tick } = setup();
    await backend.lease.acquire(60, HOLDER);
    tick(61); // crashed: no renew, the lease lapses
    expect(await kind(backend)).toBe('none');
    foreignAcquire(world);
    // The mark was written 61 s ago: still within its 120 s validity, the documented window.
    expect(await kind(backend)).toBe('jobq');
    tick(30);
    foreignAcquire(world); // the reference renews its lease
    tick(30);
    expect(await kind(backend)).toBe('other');
  });

  it('after a clean release the next holder is not mistaken for jobq', async () => {
    const { world, backend } = setup();
    await backend.lease.acquire(60, HOLDER);
    await backend.lease.release();
    foreignAcquire(world);
    expect(await kind(backend)).toBe('other');
  });
});
