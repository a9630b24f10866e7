import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/ports/backend.js';
import { Coordinator } from '../../../src/coordinator/index.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { silentLogger } from '../../../src/log.js';
import { uniquePrefix, waitFor } from '../../support/azurite.js';
import {
  FakeWorkers,
  def,
  openTestBackend,
  submit,
  taskStates,
  testSettings,
  waitForState,
} from './harness.js';

describe('coordinator advances workflows on Azurite', () => {
  let backend: Backend;
  let client: WorkflowClient;
  let coord: Coordinator;
  let workers: FakeWorkers;

  beforeAll(async () => {
    backend = await openTestBackend(uniquePrefix('Adv'));
    client = new WorkflowClient({ backend });
    coord = new Coordinator({ backend, settings: testSettings(), logger: silentLogger() });
    await coord.start();
    workers = new FakeWorkers(backend, undefined, (t) => ({
      success: true,
      output: { from: t.task, n: 2 },
    })).start();
  });

  afterAll(async () => {
    await workers.stop();
    await coord.stop();
    await backend.close();
  });

  it('runs a diamond with a condition on a parent output to completion, each task once', async () => {
    const id = await submit(
      client,
      def('diamond', [
        ['a', []],
        ['b', ['a']],
        ['c', ['a'], { condition: 'inputs.a.n > 5' }],
        ['d', ['b', 'c'], { dep_policy: 'all' }],
      ]),
    );
    expect(await waitForState(client, id, ['completed', 'failed'])).toBe('completed');
    expect(await taskStates(client, id)).toEqual({
      a: 'completed',
      b: 'completed',
      c: 'skipped',
      d: 'completed',
    });
    expect(workers.count('a', id)).toBe(1);
    expect(workers.count('b', id)).toBe(1);
    expect(workers.count('c', id)).toBe(0);
    expect(workers.count('d', id)).toBe(1);
    // The child's message carries its parents' refs (compact refs), so the worker need not read state.
    const d = workers.seen.find((s) => s.workflowId === id && s.task === 'd');
    expect(d?.upstream?.b).toBe(JSON.stringify({ from: 'b', n: 2 }));
    const s = coord.stats();
    expect(s.completions_handled).toBeGreaterThanOrEqual(3);
    expect(s.tasks_pushed).toBeGreaterThanOrEqual(3);
    expect(s.lease_state).toBe('held');
  });

  it('runs every workflow of a batch submit, activated by one shared message that is deleted once', async () => {
    const ids = ['batch-1', 'batch-2', 'batch-3'].map((n) => `${n}-${Date.now()}`);
    const controlBefore = coord.stats().control_messages;
    const results = await client.submitBatch(
      ids.map((id) => ({
        source: id,
        prepared: client.prepare(
          def('batch', [
            ['a', []],
            ['b', ['a']],
          ]),
          { workflowId: id },
        ),
      })),
    );
    expect(results.map((r) => r.error)).toEqual([null, null, null]);
    for (const id of ids) expect(await waitForState(client, id, ['completed', 'failed'])).toBe('completed');
    for (const id of ids) expect(workers.count('a', id)).toBe(1);
    // One control message named all three workflows, and nothing is left on the completion queue.
    expect(coord.stats().control_messages - controlBefore).toBe(1);
    await waitFor(async () => (await backend.completions.approximateDepth()) === 0, {
      what: 'completion queue drained',
    });
  });

  it('refreshes the index row to the terminal state with final counters', async () => {
    const id = await submit(
      client,
      def('pair', [
        ['x', []],
        ['y', ['x']],
      ]),
    );
    await waitForState(client, id, ['completed']);
    const row = await (async () => {
      for (let i = 0; i < 100; i++) {
        const r = await backend.index.get(id);
        if (r?.workflowState === 'completed') return r;
        await new Promise((res) => setTimeout(res, 50));
      }
      return backend.index.get(id);
    })();
    expect(row?.workflowState).toBe('completed');
    expect(row?.completedTasks).toBe(2);
    expect(row?.runningTasks).toBe(0);
  });
});
