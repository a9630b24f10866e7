/**
 * Sweeps (reference §5.7–5.9, §8 #2, #10, #12, #13, #18; DECISIONS §4.2): each repairs one kind of lost
 * message or stuck task, through the same per-workflow pipeline as the main loop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/ports/backend.js';
import type { CoordinatorSettings } from '../../../src/config/types.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { WorkflowRuntime } from '../../../src/engine/index.js';
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
  type Outcome,
  type TaskSeen,
  TEST_QUEUE,
} from './harness.js';
import { fanOutFanIn, prefillCompletions, storeRunningWorkflow } from './seed.js';
import { indexColumnsOf } from '../../../src/client/status.js';

describe('sweeps', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function setup(decide?: (t: TaskSeen) => Outcome) {
    const backend = await openTestBackend(uniquePrefix('Swp'));
    cleanup.push(() => backend.close());
    const workers = new FakeWorkers(backend, undefined, decide).start();
    cleanup.push(() => workers.stop());
    return { backend, client: new WorkflowClient({ backend }), workers };
  }
  async function coordinator(backend: Backend, over: Partial<CoordinatorSettings> = {}) {
    const c = await startCoordinator(backend, over);
    cleanup.push(() => c.stop());
    return c;
  }

  it('admits a pending workflow whose activate message was lost (activation sweep)', async () => {
    const { backend, client } = await setup();
    const id = await submit(
      client,
      def('lost-activate', [
        ['a', []],
        ['b', ['a']],
      ]),
    );
    await backend.completions.clear();
    const c = await coordinator(backend);
    expect(await waitForState(client, id, ['completed'])).toBe('completed');
    expect(c.stats().activation_sweeps).toBeGreaterThan(0);
    expect(c.stats().control_messages).toBe(0);
  });

  it('re-dispatches a READY task whose message was lost once it has been idle past the threshold (§8 #10)', async () => {
    let failB = true;
    const { backend, client, workers } = await setup((t) => {
      if (t.task === 'b' && failB) {
        failB = false;
        return { success: false, error: 'flaky' };
      }
      return { success: true };
    });
    const first = await coordinator(backend);
    const id = await submit(
      client,
      def('stuck-ready', [
        ['a', []],
        ['b', ['a']],
      ]),
    );
    await waitForState(client, id, ['failed']);
    await first.stop();
    await client.retry(id); // b → READY in durable state, plus a `retry` message …
    await backend.completions.clear(); // … that is lost
    expect((await taskStates(client, id)).b).toMatch(/^ready/);
    const c = await coordinator(backend, { readyRepairThresholdS: 0.5 });
    expect(await waitForState(client, id, ['completed'])).toBe('completed');
    expect(c.stats().ready_tasks_repushed).toBe(1);
    expect(workers.count('b', id)).toBe(2);
  });

  it('fails a task stuck RUNNING past its timeout and dispatches the retry at once (§8 #18)', async () => {
    const { backend, client, workers } = await setup((t) =>
      t.task === 'slow' && t.attemptNo === 1 ? 'drop' : { success: true },
    );
    const c = await coordinator(backend);
    const id = await submit(
      client,
      def('stuck-running', [
        ['slow', [], { timeout_s: 1, num_retries: 1 }],
        ['after', ['slow']],
      ]),
    );
    expect(await waitForState(client, id, ['completed', 'failed'])).toBe('completed');
    expect(c.stats().tasks_timed_out).toBe(1);
    expect(workers.seen.filter((s) => s.task === 'slow').map((s) => s.attemptNo)).toEqual([1, 2]);
  });

  it('cancels pending tasks at once, lets running ones finish, then ends cancelled (§8 #13)', async () => {
    const { backend, client, workers } = await setup((t) => (t.task === 'a' ? 'hold' : { success: true }));
    await coordinator(backend);
    const id = await submit(
      client,
      def('cancel-me', [
        ['a', []],
        ['b', ['a']],
        ['c', ['b']],
      ]),
    );
    await waitFor(() => workers.count('a', id) === 1, { what: 'a running' });
    await client.cancel(id);
    await waitForState(client, id, ['cancelling']);
    expect(await taskStates(client, id)).toEqual({ a: 'running', b: 'cancelled', c: 'cancelled' });
    await backend.completions.send(
      encodeCompletionMessage({
        workflowId: id,
        task: 'a',
        success: true,
        outputRef: null,
        error: null,
        attemptNo: 1,
      }),
    );
    expect(await waitForState(client, id, ['cancelled'])).toBe('cancelled');
    expect((await taskStates(client, id)).a).toBe('completed');
    expect(workers.count('b', id)).toBe(0);
  });

  it('cancel poll applies a cancel whose control message was lost', async () => {
    const { backend, client, workers } = await setup((t) => (t.task === 'a' ? 'hold' : { success: true }));
    const c = await coordinator(backend);
    const id = await submit(
      client,
      def('cancel-poll', [
        ['a', []],
        ['b', ['a']],
      ]),
    );
    await waitFor(() => workers.count('a', id) === 1, { what: 'a running' });
    await backend.index.requestCancel(id); // the flag only, no control message
    await waitForState(client, id, ['cancelling']);
    expect(c.stats().workflows_cancelled).toBe(1);
  });

  it('repairs an index row left non-terminal by a crash between the terminal flush and its index write', async () => {
    const { backend } = await setup();
    const now = Date.now();
    const rt = WorkflowRuntime.fromDefinition(
      def('stale-row', [
        ['a', []],
        ['b', ['a']],
      ]),
      { workflowId: 'wf-stale-row', now },
    );
    rt.activate(now);
    const done = (task: string) => ({ task, success: true, outputRef: null, error: null, attemptNo: 1 });
    rt.applyCompletion(done('a'), now);
    const midway = indexColumnsOf(rt); // the last index write that landed: running, b running
    rt.applyCompletion(done('b'), now);
    expect(rt.state).toBe('completed');
    await backend.state.createWorkflow(rt.toDefinitionDoc(), rt.toStateDoc());
    await backend.index.upsert('wf-stale-row', midway);
    expect((await backend.index.get('wf-stale-row'))?.workflowState).toBe('running');

    const c = await coordinator(backend, { readySweepIntervalS: 0.05 });
    await waitFor(async () => (await backend.index.get('wf-stale-row'))?.workflowState === 'completed', {
      what: 'index row repaired',
    });
    const row = await backend.index.get('wf-stale-row');
    expect(row).toMatchObject({ completedTasks: 2, runningTasks: 0 });
    expect(c.stats().index_repairs).toBe(1);
    expect(c.stats().running_workflows).toBe(0);
  });

  it('sweeps share the main loop runtime: no CAS conflicts while a sweep visits a busy workflow (§8 #2)', async () => {
    const { backend, client } = await setup();
    const leaves = await storeRunningWorkflow(backend, fanOutFanIn(100, 'perf', TEST_QUEUE), 'wf-busy');
    const c = await coordinator(backend, {
      runningTimeoutS: 3600,
      cancelPollIntervalS: 0.01,
      runningSweepIntervalS: 0.01,
      readySweepIntervalS: 0.01,
    });
    await prefillCompletions(backend, 'wf-busy', leaves);
    await waitFor(async () => ['running', 'completed'].includes((await taskStates(client, 'wf-busy')).sink), {
      what: 'sink dispatched',
    });
    expect(c.stats().running_sweeps).toBeGreaterThan(3);
    expect(c.stats().flush_conflicts).toBe(0);
    expect(c.stats().completions_handled).toBeGreaterThanOrEqual(100);
  });

  it('an outside write to a cached workflow costs one conflict, then a reload re-applies the messages (§8 #2)', async () => {
    const { backend, client } = await setup();
    const leaves = await storeRunningWorkflow(backend, fanOutFanIn(4, 'perf', TEST_QUEUE), 'wf-outside');
    const c = await coordinator(backend);
    await prefillCompletions(backend, 'wf-outside', leaves.slice(0, 1));
    await waitFor(() => c.stats().completions_handled === 1, { what: 'first completion' });
    const cur = (await backend.state.load('wf-outside'))!;
    await backend.state.saveState(WorkflowRuntime.fromDocs(cur.def, cur.state).toStateDoc(), cur.etag); // new ETag, same content
    await prefillCompletions(backend, 'wf-outside', leaves.slice(1));
    await waitFor(
      async () => ['running', 'completed'].includes((await taskStates(client, 'wf-outside')).sink),
      { what: 'sink dispatched' },
    );
    expect(c.stats().flush_conflicts).toBe(1);
    expect(c.stats().completions_handled).toBeGreaterThanOrEqual(4);
  });

  it('reports workflow blobs without an index row and deletes nothing (§8 #12)', async () => {
    const { backend } = await setup();
    const rt = WorkflowRuntime.fromDefinition(def('orphan', [['a', []]]), {
      workflowId: 'wf-orphan',
      now: Date.now(),
    });
    await backend.state.createWorkflow(rt.toDefinitionDoc(), rt.toStateDoc());
    const c = await coordinator(backend);
    await waitFor(() => c.stats().orphan_blobs >= 1, { what: 'orphan reported' });
    expect(await backend.state.load('wf-orphan')).not.toBeNull();
  });
});
