/**
 * Reference §8 #3 and #11: messages are acked only after the state they produced is durable, so a
 * coordinator that dies before its flush (or between flush and ack) loses nothing: the next one re-applies
 * the redelivered messages idempotently. Pushes made before the crash may repeat with the same message id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/ports/backend.js';
import { TransientStorageError } from '../../../src/errors.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { decodeTaskMessage } from '../../../src/wire/task-message.js';
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
  TEST_QUEUE,
} from './harness.js';
import { fanOutFanIn, prefillCompletions, storeRunningWorkflow } from './seed.js';

/** Task messages currently on `queue` (peeked by receiving with a short visibility and releasing). */
async function drainTaskIds(backend: Backend, queue = TEST_QUEUE): Promise<string[]> {
  const q = backend.queues.get(queue);
  const ids: string[] = [];
  for (;;) {
    const msgs = await q.receive(32, 30);
    if (msgs.length === 0) return ids;
    for (const m of msgs) {
      const t = decodeTaskMessage(m.body);
      if (t.kind === 'workflow') ids.push(`${t.task}/${t.attemptNo}`);
      await q.delete(m);
    }
  }
}

describe('ack only after flush', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function setup(): Promise<{ backend: Backend; client: WorkflowClient }> {
    const backend = await openTestBackend(uniquePrefix('Ack'));
    cleanup.push(() => backend.close());
    return { backend, client: new WorkflowClient({ backend }) };
  }

  it('a coordinator that cannot flush acks nothing; its successor re-applies everything (crash before flush, push before flush)', async () => {
    const { backend, client } = await setup();
    const leaves = await storeRunningWorkflow(backend, fanOutFanIn(5, 'perf', TEST_QUEUE), 'wf-crash');
    await prefillCompletions(backend, 'wf-crash', leaves);
    const failing = override(backend, {
      state: override(backend.state, {
        saveState: () => Promise.reject(new TransientStorageError('injected: disk on fire')),
      }),
    });
    // Long enough that A gives up flushing (≈ 1.2 s of back-off) before its messages reappear to A itself
    // on a loaded machine (A would then push the sink once more), short enough for B to see them soon.
    const a = await startCoordinator(failing, { visibilityTimeoutS: 5 });
    await waitFor(() => a.stats().flush_errors >= 3, { what: 'A gave up flushing' });
    expect(a.stats().completions_handled).toBe(0);
    expect(a.stats().tasks_pushed).toBe(1); // the sink was pushed before the (failed) flush
    await a.stop();
    expect(Object.values(await taskStates(client, 'wf-crash')).filter((s) => s === 'running')).toHaveLength(
      5,
    );

    const b = await startCoordinator(backend);
    await waitFor(() => b.stats().completions_handled === 5, {
      what: 'B applied the redelivered completions',
      timeoutMs: 30_000,
    });
    expect((await taskStates(client, 'wf-crash')).sink).toBe('running');
    // Same attempt ⇒ same message id: the repeated push is a duplicate message, not a new attempt.
    expect(await drainTaskIds(backend)).toEqual(['sink/1', 'sink/1']);
    await b.stop();
  });

  it('a coordinator that flushed but never acked: its successor sees duplicates and changes nothing (crash after flush, before ack)', async () => {
    const { backend, client } = await setup();
    const leaves = await storeRunningWorkflow(backend, fanOutFanIn(5, 'perf', TEST_QUEUE), 'wf-noack');
    await prefillCompletions(backend, 'wf-noack', leaves);
    const noAck = override(backend, {
      completions: override(backend.completions, { delete: () => Promise.resolve() }),
    });
    const a = await startCoordinator(noAck, { visibilityTimeoutS: 2 });
    await waitFor(async () => (await taskStates(client, 'wf-noack')).sink === 'running', {
      what: 'A flushed',
    });
    await a.stop();
    const etag = (await backend.state.loadState('wf-noack'))!.etag;

    const b = await startCoordinator(backend);
    await waitFor(() => b.stats().duplicate_completions === 5, {
      what: 'B saw 5 duplicates',
      timeoutMs: 30_000,
    });
    await waitFor(async () => (await backend.completions.approximateDepth()) === 0, {
      what: 'duplicates acked',
    });
    expect(b.stats().tasks_pushed).toBe(0);
    expect((await backend.state.loadState('wf-noack'))!.etag).toBe(etag);
    expect(await drainTaskIds(backend)).toEqual(['sink/1']);
    await b.stop();
  });

  it('accepts a completion for a task durable as READY at a newer attempt (push-before-flush recovery, §8 #11)', async () => {
    const { backend, client } = await setup();
    const failing = override(backend, {
      state: override(backend.state, {
        saveState: () => Promise.reject(new TransientStorageError('injected')),
      }),
    });
    const a = await startCoordinator(failing, { visibilityTimeoutS: 2 });
    const id = await submit(
      client,
      def('pbf', [
        ['root', []],
        ['child', ['root']],
      ]),
    );
    await waitFor(() => a.stats().tasks_pushed === 1, { what: 'A pushed the root' });
    await a.stop();
    const workers = new FakeWorkers(backend).start();
    cleanup.push(() => workers.stop());
    const b = await startCoordinator(backend);
    cleanup.push(() => b.stop());
    await waitForState(client, id, ['completed']);
    expect(workers.count('root', id)).toBeLessThanOrEqual(2);
    expect(workers.count('child', id)).toBe(1);
    expect(await taskStates(client, id)).toEqual({ root: 'completed', child: 'completed' });
  });
});
