/** Reference §8 #9, #15, #19: retries, receive errors and oversized task messages never stop the loop. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/ports/backend.js';
import { TransientStorageError } from '../../../src/errors.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { uniquePrefix, waitFor } from '../../support/azurite.js';
import {
  FakeWorkers,
  def,
  openTestBackend,
  override,
  startCoordinator,
  submit,
  taskStates,
  waitForState,
  type Outcome,
  type TaskSeen,
} from './harness.js';

describe('transient faults', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function setup(
    decide?: (t: TaskSeen) => Outcome,
  ): Promise<{ backend: Backend; client: WorkflowClient; workers: FakeWorkers }> {
    const backend = await openTestBackend(uniquePrefix('Flt'));
    cleanup.push(() => backend.close());
    const workers = new FakeWorkers(backend, undefined, decide).start();
    cleanup.push(() => workers.stop());
    return { backend, client: new WorkflowClient({ backend }), workers };
  }

  it('keeps polling through receive errors (§8 #15)', async () => {
    const { backend, client } = await setup();
    let failures = 3;
    const receive = backend.completions.receive.bind(backend.completions);
    const flaky = override(backend, {
      completions: override(backend.completions, {
        receive: (max: number, vis: number) =>
          failures-- > 0
            ? Promise.reject(new TransientStorageError('injected: connection reset'))
            : receive(max, vis),
      }),
    });
    const c = await startCoordinator(flaky);
    cleanup.push(() => c.stop());
    const id = await submit(
      client,
      def('flaky-receive', [
        ['a', []],
        ['b', ['a']],
      ]),
    );
    expect(await waitForState(client, id, ['completed'])).toBe('completed');
    expect(c.stats().receive_errors).toBe(3);
  });

  it('re-dispatches a failed task with retry budget at attempt + 1 (§8 #9)', async () => {
    const { backend, client, workers } = await setup((t) =>
      t.task === 'flaky' && t.attemptNo! < 3
        ? { success: false, error: `attempt ${t.attemptNo} failed` }
        : { success: true },
    );
    const c = await startCoordinator(backend);
    cleanup.push(() => c.stop());
    const id = await submit(
      client,
      def('retries', [
        ['flaky', [], { num_retries: 2 }],
        ['next', ['flaky']],
      ]),
    );
    expect(await waitForState(client, id, ['completed', 'failed'])).toBe('completed');
    expect(workers.seen.filter((s) => s.task === 'flaky').map((s) => s.attemptNo)).toEqual([1, 2, 3]);
  });

  it('sends a task whose upstream refs would not fit a queue message without them (§8 #19)', async () => {
    const big = 'x'.repeat(30 * 1024); // inline (≤ 32 KiB) but three of them exceed a 64 KiB message
    const { backend, client, workers } = await setup((t) => ({
      success: true,
      output: t.task === 'join' ? 'ok' : big,
    }));
    const c = await startCoordinator(backend);
    cleanup.push(() => c.stop());
    const id = await submit(
      client,
      def('wide', [
        ['p1', []],
        ['p2', []],
        ['p3', []],
        ['join', ['p1', 'p2', 'p3']],
      ]),
    );
    expect(await waitForState(client, id, ['completed', 'failed'])).toBe('completed');
    expect(c.stats().refs_dropped).toBe(1);
    const join = workers.seen.find((s) => s.workflowId === id && s.task === 'join');
    expect(join?.upstream).toBeNull();
    expect((await taskStates(client, id)).join).toBe('completed');
    await waitFor(() => c.stats().tasks_pushed === 4, { what: 'pushes counted' });
  });
});
