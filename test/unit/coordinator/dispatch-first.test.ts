/**
 * DECISIONS §4.15: the main loop reads first. With deletes far slower than receives, the coordinator
 * still reads every completion and pushes the sink at once (the old loop received no faster than
 * deletes kept up, so the sink waited for nearly every delete); the number of messages received and not
 * yet deleted never exceeds `maxReceivesPerCycle × batchSize`; and every message is still deleted once.
 */
import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/index.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import type { CoordinatorSettings } from '../../../src/config/types.js';
import type { Backend } from '../../../src/ports/backend.js';
import { silentLogger } from '../../../src/log.js';
import type { ReceivedMessage } from '../../../src/ports/queue.js';
import { fanOutFanIn, prefillCompletions, storeRunningWorkflow } from '../../integration/coordinator/seed.js';

async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Receives take 1 ms (as a network call would); every delete takes `deleteMs`. Counts both. */
function slowDeletes(backend: Backend, deleteMs: number) {
  const counts = { received: 0, deleted: 0, maxUnsettled: 0 };
  const receive = backend.completions.receive.bind(backend.completions);
  const del = backend.completions.delete.bind(backend.completions);
  Object.assign(backend.completions, {
    receive: async (max: number, vis: number) => {
      await new Promise((r) => setTimeout(r, 1));
      const got = await receive(max, vis);
      counts.received += got.length;
      counts.maxUnsettled = Math.max(counts.maxUnsettled, counts.received - counts.deleted);
      return got;
    },
    delete: async (m: ReceivedMessage) => {
      await new Promise((r) => setTimeout(r, deleteMs));
      await del(m);
      counts.deleted++;
    },
  });
  return counts;
}

async function seed(leaves: number): Promise<Backend> {
  const backend = openMemoryBackend(createMemoryWorld(), 'MemFirst');
  await backend.ensureResources();
  const tasks = await storeRunningWorkflow(backend, fanOutFanIn(leaves), 'wf-first');
  await prefillCompletions(backend, 'wf-first', tasks);
  return backend;
}

const sinkPushed = async (backend: Backend) => (await backend.queues.get('default').approximateDepth()) > 0;

describe('dispatch-first main loop', () => {
  it('pushes the sink long before the slow deletes catch up', async () => {
    const leaves = 400;
    const backend = await seed(leaves);
    const counts = slowDeletes(backend, 40);
    const settings: CoordinatorSettings = {
      ...DEFAULT_COORDINATOR_SETTINGS,
      batchSize: 8,
      ackConcurrency: 4,
    };
    const c = new Coordinator({ backend, settings, logger: silentLogger() });
    await c.start();
    try {
      await until(() => sinkPushed(backend));
      // 4 deletes per 40 ms: all 400 take 4 s; the sink is out after a small fraction of them.
      expect(counts.received).toBe(leaves);
      expect(counts.deleted).toBeLessThan(leaves / 4);
      await until(() => c.stats().completions_handled === leaves && counts.deleted === leaves);
    } finally {
      await c.stop();
    }
    expect(c.stats().duplicate_completions).toBe(0);
    expect(await backend.completions.approximateDepth()).toBe(0);
  });

  it('never holds more than maxReceivesPerCycle × batchSize messages un-deleted', async () => {
    const leaves = 300;
    const backend = await seed(leaves);
    const counts = slowDeletes(backend, 20);
    const settings: CoordinatorSettings = {
      ...DEFAULT_COORDINATOR_SETTINGS,
      batchSize: 8,
      maxReceivesPerCycle: 5,
      ackConcurrency: 4,
    };
    const c = new Coordinator({ backend, settings, logger: silentLogger() });
    await c.start();
    try {
      await until(() => counts.deleted === leaves);
    } finally {
      await c.stop();
    }
    expect(counts.maxUnsettled).toBeLessThanOrEqual(settings.maxReceivesPerCycle * settings.batchSize);
    // Bounded, not throttled to a trickle: the loop filled the bound at least once.
    expect(counts.maxUnsettled).toBeGreaterThan(settings.maxReceivesPerCycle * settings.batchSize - 8);
    expect(c.stats().completions_handled).toBe(leaves);
    expect(c.stats().duplicate_completions).toBe(0);
  });

  it('polls the empty queue sparingly while more deletes wait than run', async () => {
    const leaves = 200;
    const backend = await seed(leaves);
    const counts = slowDeletes(backend, 40);
    let emptyWhileDeep = 0;
    const receive = backend.completions.receive.bind(backend.completions);
    Object.assign(backend.completions, {
      receive: async (max: number, vis: number) => {
        const got = await receive(max, vis);
        if (got.length === 0 && counts.received - counts.deleted > settings.ackConcurrency) emptyWhileDeep++;
        return got;
      },
    });
    const settings: CoordinatorSettings = {
      ...DEFAULT_COORDINATOR_SETTINGS,
      batchSize: 8,
      ackConcurrency: 2,
    };
    const c = new Coordinator({ backend, settings, logger: silentLogger() });
    await c.start();
    try {
      // 2 deletes per 40 ms: ≈ 4 s of deletes after the backlog is read; the sink is out and the
      // brisk in-flight pacer alone would receive ≈ 20 times meanwhile.
      await until(() => counts.deleted === leaves);
    } finally {
      await c.stop();
    }
    expect(emptyWhileDeep).toBeGreaterThan(0);
    expect(emptyWhileDeep).toBeLessThanOrEqual(12);
    expect(c.stats().duplicate_completions).toBe(0);
  });
});
