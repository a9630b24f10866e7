/**
 * A throw part-way through applying a group (here: a transient output fetch for a condition) must drop
 * the in-memory runtime, like a failed push does. Otherwise earlier messages of the group leave tasks
 * RUNNING in memory with no queue message (a later flush would persist them, stuck for ever), and the
 * half-applied completion's redelivery is acked as a duplicate before its effect was ever saved.
 */
import { describe, expect, it } from 'vitest';
import { WorkflowTable, type IncomingMessage } from '../../../src/coordinator/workflow-table.js';
import { BatchOutputs } from '../../../src/coordinator/outputs.js';
import { emptyStats } from '../../../src/coordinator/stats.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import { silentLogger } from '../../../src/log.js';
import { TransientStorageError } from '../../../src/errors.js';
import type { OutputStore } from '../../../src/ports/output-store.js';
import type { Backend } from '../../../src/ports/backend.js';
import { storeRunningWorkflow } from '../../integration/coordinator/seed.js';
import { def } from '../engine/helpers.js';

const WF = 'wf-abandon';

function completion(task: string, outputRef: string | null, id: string): IncomingMessage {
  return {
    msg: { id, body: '', dequeueCount: 1, enqueuedAt: null, handle: null },
    item: { kind: 'completion', completion: { task, success: true, outputRef, error: null, attemptNo: 1 } },
  };
}

function outputsFrom(fetchOutput: () => Promise<unknown>): BatchOutputs {
  return new BatchOutputs({ fetchOutput } as unknown as OutputStore);
}

/** Task statuses in the durable state blob (pending tasks may be omitted there). */
async function durableStatuses(backend: Backend): Promise<Record<string, string>> {
  const loaded = await backend.state.loadState(WF);
  const tasks = loaded?.state.tasks ?? {};
  return Object.fromEntries(['a', 'b', 'c', 'd'].map((t) => [t, tasks[t]?.state ?? 'pending']));
}

async function setup(): Promise<{ backend: Backend; table: WorkflowTable }> {
  const backend = openMemoryBackend(createMemoryWorld(), 'Abandon');
  await backend.ensureResources();
  // root is done; a and b run; c follows a plainly, d follows b behind a condition on b's blob output.
  const running = await storeRunningWorkflow(
    backend,
    def({
      root: {},
      a: { deps: ['root'] },
      b: { deps: ['root'] },
      c: { deps: ['a'] },
      d: { deps: ['b'], condition: 'inputs.b.ok' },
    }),
    WF,
  );
  expect(running.sort()).toEqual(['a', 'b']);
  const table = new WorkflowTable({
    backend,
    settings: { ...DEFAULT_COORDINATOR_SETTINGS },
    logger: silentLogger(),
    stats: emptyStats(),
    hooks: { admit: () => true, observed: () => undefined },
    leaseHeld: () => true,
    now: () => Date.now(),
  });
  return { backend, table };
}

describe('a failure part-way through applying a group', () => {
  it('drops the in-memory runtime; redelivery then applies the whole group to durable state', async () => {
    const { backend, table } = await setup();
    const group = [completion('a', null, 'm-a'), completion('b', 'blob:wf-abandon/b.json', 'm-b')];
    const taskQueue = backend.queues.get('default');
    const depthBefore = await taskQueue.approximateDepth();

    const failing = outputsFrom(() => Promise.reject(new TransientStorageError('503 server busy')));
    await expect(table.process(WF, group, failing)).rejects.toThrow('503 server busy');
    expect(table.cached(WF)).toBeNull();
    expect(table.heldCount()).toBe(0);
    await table.drain();

    // Durable state never saw `c` RUNNING without a message, nor `b` done without its effect.
    expect(await durableStatuses(backend)).toMatchObject({
      a: 'running',
      b: 'running',
      c: 'pending',
      d: 'pending',
    });
    expect(await taskQueue.approximateDepth()).toBe(depthBefore);

    // The redelivered group is applied afresh: both successors are dispatched and the flush saves them.
    const healthy = outputsFrom(() => Promise.resolve({ ok: true }));
    await table.process(WF, group, healthy);
    await table.drain();
    expect(await taskQueue.approximateDepth()).toBe(depthBefore + 2);
    expect(await durableStatuses(backend)).toMatchObject({
      a: 'completed',
      b: 'completed',
      c: 'running',
      d: 'running',
    });
  });

  it('a mutation that throws drops the runtime too', async () => {
    const { table } = await setup();
    await table.inspect(WF, () => null);
    expect(table.cached(WF)).not.toBeNull();
    await expect(
      table.mutate(WF, () => {
        throw new Error('sweep blew up');
      }),
    ).rejects.toThrow('sweep blew up');
    expect(table.cached(WF)).toBeNull();
  });
});
