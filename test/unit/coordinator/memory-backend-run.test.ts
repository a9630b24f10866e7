/**
 * The coordinator core on memory adapters: the reference perf shape drains completely with one flush per
 * cycle at most, and the number of received-but-unacked messages is bounded while flushes are stuck
 * (reference §8 #20).
 */
import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/index.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import { silentLogger } from '../../../src/log.js';
import { fanOutFanIn, prefillCompletions, storeRunningWorkflow } from '../../integration/coordinator/seed.js';
import type { Backend } from '../../../src/ports/backend.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { parseDefinition } from '../../../src/model/load.js';

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function seeded(leaves: number): Promise<{ backend: Backend; tasks: string[] }> {
  const backend = openMemoryBackend(createMemoryWorld(), 'Mem');
  await backend.ensureResources();
  const tasks = await storeRunningWorkflow(backend, fanOutFanIn(leaves), 'wf-mem');
  await prefillCompletions(backend, 'wf-mem', tasks);
  return { backend, tasks };
}

describe('coordinator on memory adapters', () => {
  it('drains the reference shape and dispatches the sink once', async () => {
    const { backend } = await seeded(998);
    const c = new Coordinator({
      backend,
      settings: { ...DEFAULT_COORDINATOR_SETTINGS },
      logger: silentLogger(),
    });
    await c.start();
    await until(() => c.stats().tasks_pushed === 1);
    await c.stop();
    const s = c.stats();
    expect(s.completions_handled).toBe(998);
    expect(s.flushes).toBeLessThanOrEqual(s.batches);
    expect(s.flush_conflicts).toBe(0);
    const state = await backend.state.loadState('wf-mem');
    expect(state?.state.tasks.sink?.state).toBe('running');
    expect(s.lease_state).toBe('released');
  });

  it('bounds received-but-unacked messages while flushes cannot complete (§8 #20)', async () => {
    const { backend } = await seeded(50);
    let received = 0;
    let releaseFlush!: () => void;
    const gate = new Promise<void>((r) => (releaseFlush = r));
    const receive = backend.completions.receive.bind(backend.completions);
    const saveState = backend.state.saveState.bind(backend.state);
    Object.assign(backend.completions, {
      receive: async (max: number, vis: number) => {
        const got = await receive(max, vis);
        received += got.length;
        return got;
      },
    });
    Object.assign(backend.state, {
      saveState: async (...a: Parameters<typeof saveState>) => (await gate, saveState(...a)),
    });
    const settings = {
      ...DEFAULT_COORDINATOR_SETTINGS,
      batchSize: 4,
      maxReceivesPerCycle: 2,
      idleSleepS: 0.001,
      maxIdleSleepS: 0.01,
    };
    const c = new Coordinator({ backend, settings, logger: silentLogger() });
    await c.start();
    await until(() => received >= 8);
    await new Promise((r) => setTimeout(r, 100)); // give an unbounded loop the chance to overrun
    expect(received).toBeLessThanOrEqual(8 + 4);
    expect(c.stats().completions_handled).toBe(0);
    releaseFlush();
    await until(() => c.stats().completions_handled === 50);
    await c.stop();
  });

  it('keeps the tasks of cached workflows within cacheMaxTasks by evicting clean ones', async () => {
    const backend = openMemoryBackend(createMemoryWorld(), 'Mem');
    await backend.ensureResources();
    // Five workflows of 12 tasks each, 10 leaves running; one completion each makes them cached and dirty.
    for (let i = 0; i < 5; i++) {
      const leaves = await storeRunningWorkflow(backend, fanOutFanIn(10), `wf-${i}`);
      await prefillCompletions(backend, `wf-${i}`, leaves.slice(0, 1));
    }
    const settings = { ...DEFAULT_COORDINATOR_SETTINGS, cacheMaxWorkflows: 100, cacheMaxTasks: 30 };
    const c = new Coordinator({ backend, settings, logger: silentLogger() });
    await c.start();
    await until(() => c.stats().completions_handled === 5);
    // Once their flushes settle, at most two 12-task workflows fit in 30 tasks.
    await until(() => c.stats().cached_tasks <= 30);
    const s = c.stats();
    expect(s.cached_workflows).toBeGreaterThanOrEqual(1);
    expect(s.cached_workflows).toBeLessThanOrEqual(2);
    expect(s.cached_tasks).toBe(s.cached_workflows * 12);
    // An evicted workflow is reloaded on its next completion, and its progress is intact.
    await prefillCompletions(backend, 'wf-0', ['leaf1']);
    await until(() => c.stats().completions_handled === 6);
    await c.stop();
    const state = await backend.state.loadState('wf-0');
    expect(state?.state.tasks.leaf0?.state).toBe('completed');
    expect(state?.state.tasks.leaf1?.state).toBe('completed');
  });

  it('waits before receiving again after a short receive, so what arrives meanwhile shares a receive', async () => {
    const backend = openMemoryBackend(createMemoryWorld(), 'Mem');
    await backend.ensureResources();
    const leaves = await storeRunningWorkflow(backend, fanOutFanIn(10), 'wf-short');
    await prefillCompletions(backend, 'wf-short', leaves.slice(0, 5));
    const receives: { at: number; got: number }[] = [];
    const receive = backend.completions.receive.bind(backend.completions);
    Object.assign(backend.completions, {
      receive: async (max: number, vis: number) => {
        const got = await receive(max, vis);
        receives.push({ at: performance.now(), got: got.length });
        return got;
      },
    });
    // idle_sleep_s 0.5: the short-receive wait is min(50 ms, idle sleep).
    const c = new Coordinator({
      backend,
      settings: { ...DEFAULT_COORDINATOR_SETTINGS, idleSleepS: 0.5 },
      logger: silentLogger(),
    });
    await c.start();
    await until(() => receives.length >= 2);
    await c.stop();
    expect(receives[0].got).toBe(5);
    // Without the wait the next receive is issued while the first batch is still being applied.
    expect(receives[1].at - receives[0].at).toBeGreaterThanOrEqual(45);
    expect(c.stats().completions_handled).toBe(5);
  });

  it('polls for cancels at the idle pace while it knows of no workflow', async () => {
    const backend = openMemoryBackend(createMemoryWorld(), 'Mem');
    await backend.ensureResources();
    const settings = {
      ...DEFAULT_COORDINATOR_SETTINGS,
      cancelPollIntervalS: 0.02,
      readySweepIntervalS: 0.02,
    };
    const c = new Coordinator({ backend, settings, logger: silentLogger() });
    await c.start();
    // Twenty ready-sweep ticks take ≈ 0.4 s; at its own interval the cancel poll would tick as often.
    await until(() => c.stats().ready_sweeps >= 20);
    const polls = c.stats().cancel_polls;
    await c.stop();
    expect(polls).toBeLessThanOrEqual(1);
  });

  it('deletes a batch activate message once, only after every workflow it names has flushed', async () => {
    const backend = openMemoryBackend(createMemoryWorld(), 'Mem');
    await backend.ensureResources();
    const client = new WorkflowClient({ backend });
    const def = parseDefinition({ name: 'one', tasks: [{ name: 'a', depends_on: [] }] }, 'test');
    await client.submitBatch(
      ['wf-a', 'wf-b', 'wf-c'].map((id) => ({
        source: id,
        prepared: client.prepare(def, { workflowId: id }),
      })),
    );
    expect(await backend.completions.approximateDepth()).toBe(1);
    let releaseB!: () => void;
    const gateB = new Promise<void>((r) => (releaseB = r));
    const saveState = backend.state.saveState.bind(backend.state);
    Object.assign(backend.state, {
      saveState: async (...a: Parameters<typeof saveState>) => {
        const id = 'encoded' in a[0] ? a[0].workflowId : a[0].workflow_id;
        if (id === 'wf-b') await gateB;
        return saveState(...a);
      },
    });
    const deletes = () => backend.completions.transactions.delete;
    const c = new Coordinator({
      backend,
      settings: { ...DEFAULT_COORDINATOR_SETTINGS },
      logger: silentLogger(),
    });
    await c.start();
    await until(() => c.stats().activations === 3);
    await until(async () => (await backend.state.loadState('wf-c'))?.state.workflow_state === 'running');
    expect(deletes()).toBe(0); // wf-b has not flushed yet
    releaseB();
    await until(() => deletes() === 1);
    await c.stop();
    expect(deletes()).toBe(1);
    for (const id of ['wf-a', 'wf-b', 'wf-c'])
      expect((await backend.state.loadState(id))?.state.workflow_state).toBe('running');
  });
});
