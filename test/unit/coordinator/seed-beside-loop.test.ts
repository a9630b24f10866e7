/**
 * Start-up order (issue 16): the main loop starts as soon as the lease is held, and the admission seed
 * (the index's running workflows) is read beside it. Completions of a running workflow are applied and
 * its children pushed before the seed has been read; a coordinator whose seed cannot be read still
 * fails to start, and releases its lease.
 */
import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/index.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import type { Backend } from '../../../src/ports/backend.js';
import type { IndexRow } from '../../../src/ports/index-store.js';
import { silentLogger } from '../../../src/log.js';
import { fanOutFanIn, prefillCompletions, storeRunningWorkflow } from '../../integration/coordinator/seed.js';

async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A backend whose index `list` waits until `release` (or fails with `fail`). */
async function seeded(prefix: string) {
  const world = createMemoryWorld();
  const backend: Backend = openMemoryBackend(world, prefix);
  await backend.ensureResources();
  const tasks = await storeRunningWorkflow(backend, fanOutFanIn(40), 'wf-seed');
  await prefillCompletions(backend, 'wf-seed', tasks);
  const list = backend.index.list.bind(backend.index);
  let release!: () => void;
  let fail!: (err: Error) => void;
  const gate = new Promise<void>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  let listed = false;
  Object.assign(backend.index, {
    list: async (...args: Parameters<typeof list>): Promise<IndexRow[]> => {
      await gate;
      listed = true;
      return list(...args);
    },
  });
  return { world, backend, release, fail, listed: () => listed };
}

describe('start-up: the admission seed is read beside the main loop', () => {
  it('applies completions and pushes the sink while the seed is still being read', async () => {
    const s = await seeded('SeedBeside');
    const c = new Coordinator({
      backend: s.backend,
      settings: { ...DEFAULT_COORDINATOR_SETTINGS, batchSize: 8 },
      logger: silentLogger(),
    });
    const started = c.start();
    try {
      await until(async () => (await s.backend.queues.get('default').approximateDepth()) > 0);
      expect(s.listed()).toBe(false);
      expect(c.stats().completions_handled + c.stats().cached_workflows).toBeGreaterThan(0);
      s.release();
      await started;
      expect(s.listed()).toBe(true);
      await until(() => c.stats().completions_handled === 40);
    } finally {
      s.release();
      await c.stop();
    }
  });

  it('reads the seed only once the backlog it found has been read (its queries would delay the receives)', async () => {
    const s = await seeded('SeedAfterBacklog');
    const receipts: number[] = [];
    let receivedWhenListed: number[] | null = null;
    const receive = s.backend.completions.receive.bind(s.backend.completions);
    Object.assign(s.backend.completions, {
      receive: async (...args: Parameters<typeof receive>) => {
        const got = await receive(...args);
        receipts.push(got.length);
        return got;
      },
    });
    const list = s.backend.index.list.bind(s.backend.index);
    Object.assign(s.backend.index, {
      list: (...args: Parameters<typeof list>) => {
        receivedWhenListed ??= [...receipts];
        return list(...args);
      },
    });
    s.release();
    const c = new Coordinator({
      backend: s.backend,
      settings: { ...DEFAULT_COORDINATOR_SETTINGS, batchSize: 8 },
      logger: silentLogger(),
    });
    try {
      await c.start();
      await until(() => c.stats().completions_handled === 40);
      // 40 completions in batches of 8: five full receives, then a short (empty) one, then the seed.
      expect(receivedWhenListed).not.toBeNull();
      const before = receivedWhenListed!;
      expect(before.reduce((a, b) => a + b, 0)).toBe(40);
      expect(before.at(-1)).toBeLessThan(8);
    } finally {
      await c.stop();
    }
  });

  it('fails to start, lease released, when the seed cannot be read', async () => {
    const s = await seeded('SeedFails');
    const c = new Coordinator({
      backend: s.backend,
      settings: DEFAULT_COORDINATOR_SETTINGS,
      logger: silentLogger(),
    });
    const started = c.start();
    s.fail(new Error('index unreachable'));
    await expect(started).rejects.toThrow('index unreachable');
    expect(c.role).toBe('stopped');
    // Another coordinator can take the lease at once.
    const next = new Coordinator({
      backend: openMemoryBackend(s.world, 'SeedFails'),
      settings: DEFAULT_COORDINATOR_SETTINGS,
      logger: silentLogger(),
    });
    await next.start();
    expect(next.role).toBe('leader');
    await next.stop();
  });
});
