/** Reference §8 #1, #8, #14, #16, #17 and terminal workflows: what the main loop does with each kind of message. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/ports/backend.js';
import type { Coordinator } from '../../../src/coordinator/index.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { encodeCompletionMessage } from '../../../src/wire/completion-message.js';
import { uniquePrefix, waitFor } from '../../support/azurite.js';
import {
  FakeWorkers,
  def,
  openTestBackend,
  startCoordinator,
  submit,
  taskStates,
  waitForState,
  TEST_QUEUE,
} from './harness.js';
import { fanOutFanIn, prefillCompletions, storeRunningWorkflow } from './seed.js';

const done = (workflowId: string, task: string, attemptNo: number | null, success = true) =>
  encodeCompletionMessage({
    workflowId,
    task,
    success,
    outputRef: null,
    error: success ? null : 'boom',
    attemptNo,
  });

describe('completion hygiene', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function setup(): Promise<{ backend: Backend; client: WorkflowClient }> {
    const backend = await openTestBackend(uniquePrefix('Hyg'));
    cleanup.push(() => backend.close());
    return { backend, client: new WorkflowClient({ backend }) };
  }
  async function coordinator(backend: Backend): Promise<Coordinator> {
    const c = await startCoordinator(backend);
    cleanup.push(() => c.stop());
    return c;
  }

  it('applies many completions of one workflow with far fewer flushes than completions (§8 #1)', async () => {
    const { backend, client } = await setup();
    const leaves = await storeRunningWorkflow(backend, fanOutFanIn(200, 'perf', TEST_QUEUE), 'wf-many');
    await prefillCompletions(backend, 'wf-many', leaves);
    const c = await coordinator(backend);
    await waitFor(async () => (await taskStates(client, 'wf-many')).sink === 'running', {
      what: 'sink dispatched',
    });
    const s = c.stats();
    expect(s.completions_handled).toBe(200);
    expect(s.flushes).toBeLessThan(60);
    expect(s.flush_conflicts).toBe(0);
    expect(s.tasks_pushed).toBe(1);
    await waitFor(async () => (await completionDepth(backend)) === 0, { what: 'completion queue drained' });
  });

  it('counts duplicate and stale completions and pushes the child once (§8 #8, #17)', async () => {
    const { backend, client } = await setup();
    const workers = new FakeWorkers(backend, undefined, (t) => {
      if (t.task !== 'a') return { success: true };
      return t.attemptNo === 1 ? { success: false, error: 'first attempt fails' } : 'hold';
    }).start();
    cleanup.push(() => workers.stop());
    const c = await coordinator(backend);
    const id = await submit(
      client,
      def('dupes', [
        ['a', [], { num_retries: 1 }],
        ['b', ['a']],
      ]),
    );
    await waitFor(() => workers.count('a', id) === 2, { what: 'attempt 2 dispatched' });
    // A late success of the failed first attempt while attempt 2 runs: stale, ignored.
    await backend.completions.send(done(id, 'a', 1));
    await waitFor(() => c.stats().stale_completions >= 1, { what: 'stale counted' });
    expect((await taskStates(client, id)).a).toBe('running');
    await backend.completions.send(done(id, 'a', 2));
    await backend.completions.send(done(id, 'a', 2));
    await waitForState(client, id, ['completed']);
    await waitFor(() => c.stats().duplicate_completions >= 1, { what: 'duplicate counted' });
    expect(workers.seen.filter((s) => s.task === 'a').map((s) => s.attemptNo)).toEqual([1, 2]);
    expect(workers.count('b', id)).toBe(1);
    expect(await taskStates(client, id)).toEqual({ a: 'completed', b: 'completed' });
  });

  it('deletes poison messages, counts them and keeps going (§8 #14)', async () => {
    const { backend, client } = await setup();
    const workers = new FakeWorkers(backend).start();
    cleanup.push(() => workers.stop());
    const c = await coordinator(backend);
    await backend.completions.send('this is not an envelope');
    await backend.completions.send(
      JSON.stringify({ version: 1, kwargs: { __completion_body: '{"workflow_id": 3}' } }),
    );
    const id = await submit(client, def('after-poison', [['a', []]]));
    await waitForState(client, id, ['completed']);
    await waitFor(() => c.stats().poison_messages >= 2, { what: 'poison counted' });
    await waitFor(async () => (await completionDepth(backend)) === 0, { what: 'poison deleted' });
  });

  it('acks and counts completions for unknown or deleted workflows (§8 #16)', async () => {
    const { backend } = await setup();
    const c = await coordinator(backend);
    await backend.completions.send(done('wf-never-existed', 'x', 1));
    await backend.completions.send(done('wf-never-existed', 'y', 1));
    await waitFor(() => c.stats().orphan_completions === 2, { what: 'orphans counted' });
    await waitFor(async () => (await completionDepth(backend)) === 0, { what: 'orphans acked' });
  });

  it('does not rewrite the state blob for a completion that changes nothing in a terminal workflow', async () => {
    const { backend, client } = await setup();
    const workers = new FakeWorkers(backend).start();
    cleanup.push(() => workers.stop());
    const c = await coordinator(backend);
    const id = await submit(client, def('terminal', [['a', []]]));
    await waitForState(client, id, ['completed']);
    await waitFor(async () => (await completionDepth(backend)) === 0, { what: 'drained' });
    const before = (await backend.state.loadState(id))!.etag;
    const flushes = c.stats().flushes;
    await backend.completions.send(done(id, 'a', 1));
    await waitFor(() => c.stats().duplicate_completions >= 1, { what: 'duplicate seen' });
    await waitFor(async () => (await completionDepth(backend)) === 0, { what: 'duplicate acked' });
    expect((await backend.state.loadState(id))!.etag).toBe(before);
    expect(c.stats().flushes).toBe(flushes);
  });
});

async function completionDepth(backend: Backend): Promise<number> {
  return backend.completions.approximateDepth();
}
