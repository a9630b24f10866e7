/**
 * Issue 17 in process, on the memory backend: a --standby coordinator waits for the lease (probes say
 * alive-but-not-ready, lease_held 0) and takes over when the leader stops; stop() works at any moment
 * of start-up, leaving the lease released or never taken.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/index.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld, type MemoryWorld } from '../../../src/adapters/memory/world.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import type { CoordinatorSettings } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log.js';

const PREFIX = 'Standby';

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hot standby (memory backend)', () => {
  const running: Coordinator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });

  function coordinator(
    world: MemoryWorld,
    settings: Partial<CoordinatorSettings> = {},
    extra: Partial<ConstructorParameters<typeof Coordinator>[0]> = {},
  ): Coordinator {
    const c = new Coordinator({
      backend: openMemoryBackend(world, PREFIX),
      settings: { ...DEFAULT_COORDINATOR_SETTINGS, leaseAcquireIntervalS: 0.1, ...settings },
      logger: silentLogger(),
      ...extra,
    });
    running.push(c);
    return c;
  }

  const probe = async (port: number | null, path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return `${res.status} ${(await res.text()).trim()}`;
  };

  it('waits while the lease is held, answers probes as standby, and takes over when the leader stops', async () => {
    const world = createMemoryWorld();
    const leader = coordinator(world, { healthPort: 0 });
    await leader.start();
    expect(await probe(leader.healthPort, '/readyz')).toBe('200 ok leader');

    const standby = coordinator(world, { metricsPort: 0 }, { standby: true });
    let started = false;
    void standby.start().then(() => (started = true));
    await waitFor(() => standby.role === 'standby');
    expect(await probe(standby.metricsPort, '/healthz')).toBe('200 ok standby');
    expect(await probe(standby.metricsPort, '/readyz')).toBe('503 unavailable standby');
    const metrics = await (await fetch(`http://127.0.0.1:${standby.metricsPort}/metrics`)).text();
    expect(metrics).toContain('jobq_coordinator_lease_held 0');
    expect(metrics).toContain('jobq_coordinator_standby 1');
    expect(started).toBe(false);

    await leader.stop();
    await waitFor(() => started);
    expect(standby.role).toBe('leader');
    expect(await probe(standby.metricsPort, '/readyz')).toBe('200 ok leader');
    const after = await (await fetch(`http://127.0.0.1:${standby.metricsPort}/metrics`)).text();
    expect(after).toContain('jobq_coordinator_lease_held 1');
    expect(after).toContain('jobq_coordinator_standby 0');
  });

  it('takes over an expired lease whose holder died without releasing it', async () => {
    const world = createMemoryWorld();
    let now = Date.now();
    world.now = () => now;
    const dead = openMemoryBackend(world, PREFIX);
    await dead.lease.acquire(15, { coordinatorId: 'dead', host: 'h', pid: 1, startedAt: null });
    const standby = coordinator(world, {}, { standby: true });
    let started = false;
    void standby.start().then(() => (started = true));
    await waitFor(() => standby.role === 'standby');
    await new Promise((r) => setTimeout(r, 300));
    expect(started).toBe(false);
    now += 16_000; // the dead holder's lease expires
    await waitFor(() => started);
    expect((await dead.lease.status()).holder?.coordinatorId).toBe(standby.coordinatorId);
  });

  it('without --standby, a held lease still fails fast with LeaseHeldError', async () => {
    const world = createMemoryWorld();
    await coordinator(world).start();
    await expect(coordinator(world).start()).rejects.toMatchObject({ name: 'LeaseHeldError' });
  });

  it('stop() while standing by ends start() and done without touching the holder’s lease', async () => {
    const world = createMemoryWorld();
    const leader = coordinator(world);
    await leader.start();
    const standby = coordinator(world, {}, { standby: true });
    const starting = standby.start();
    await waitFor(() => standby.role === 'standby');
    await standby.stop();
    await starting;
    await standby.done;
    expect(standby.role).toBe('stopped');
    const status = await openMemoryBackend(world, PREFIX).lease.status();
    expect(status).toMatchObject({ state: 'leased', holder: { coordinatorId: leader.coordinatorId } });
  });

  it('stop() just after the lease is taken releases it (the start-up window)', async () => {
    const world = createMemoryWorld();
    let reached!: () => void;
    const atHold = new Promise<void>((r) => (reached = r));
    const c = coordinator(
      world,
      {},
      {
        hooks: {
          afterLeaseAcquired: async (interrupted) => {
            reached();
            await interrupted;
          },
        },
      },
    );
    const starting = c.start();
    await atHold;
    expect((await openMemoryBackend(world, PREFIX).lease.status()).state).toBe('leased');
    await c.stop();
    await starting;
    await c.done;
    expect((await openMemoryBackend(world, PREFIX).lease.status()).state).toBe('available');
    // The next coordinator starts at once: nothing waits for an expiry.
    await coordinator(world).start();
  });

  it('stop() before start() makes start() a no-op and resolves done', async () => {
    const world = createMemoryWorld();
    const c = coordinator(world);
    await c.stop();
    await c.start();
    await c.done;
    expect((await openMemoryBackend(world, PREFIX).lease.status()).state).toBe('missing');
  });
});
