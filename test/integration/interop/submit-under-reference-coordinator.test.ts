/**
 * Issue 15 item 3 (DECISIONS §4.16): a jobq `submit` to a prefix whose lease is held by a coordinator
 * that is not jobq dispatches the roots itself, the reference client's way; under a jobq coordinator,
 * or with no coordinator at all, it keeps sending `activate`. The stand-in reference coordinator
 * (test/support/reference-coordinator.ts) holds the lease without jobq's mark and treats `activate`
 * as the reference does: an ignored completion of an unknown task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azuriteAccount, uniquePrefix, waitFor } from '../../support/azurite.js';
import { openTestBackend } from '../../support/backend.js';
import { ReferenceCoordinator } from '../../support/reference-coordinator.js';
import { referenceDecodeBlob, referenceLoad } from '../../support/reference-reader.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import type { Backend } from '../../../src/ports/backend.js';
import type { WorkflowDefinition } from '../../../src/model/types.js';
import type { ReceivedMessage } from '../../../src/ports/queue.js';
import { createBlobServiceClient } from '../../../src/adapters/azure/clients.js';
import { resourceNames } from '../../../src/adapters/names.js';

function diamond(name: string, queue: string, maxParallelism: number | null = null): WorkflowDefinition {
  const task = (n: string, deps: string[]) => ({
    name: n,
    kwargs: { cmd: `echo ${n}` },
    depends_on: deps,
    queue: null,
    dep_policy: 'all' as const,
    timeout_s: null,
    num_retries: 0,
  });
  return {
    name,
    default_queue: queue,
    default_task_timeout_s: null,
    max_parallelism: maxParallelism,
    result_policy: 'all_sinks_succeed',
    tasks: [task('r1', []), task('r2', []), task('r3', []), task('join', ['r1', 'r2', 'r3'])],
  };
}

async function drainQueue(backend: Backend, queue: string): Promise<ReceivedMessage[]> {
  const q = backend.queues.get(queue);
  await q.ensure();
  const out: ReceivedMessage[] = [];
  for (;;) {
    const batch = await q.receive(32, 30);
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

const idsOf = (msgs: ReceivedMessage[]) => msgs.map((m) => (JSON.parse(m.body) as { id: string }).id).sort();

/** The workflow as the reference reads it, from the raw blobs. */
async function referenceView(backend: Backend, id: string) {
  const container = createBlobServiceClient(azuriteAccount()).getContainerClient(
    resourceNames(backend.prefix).stateContainer,
  );
  const [def, state] = await Promise.all([
    container.getBlockBlobClient(`${id}.def.bin`).downloadToBuffer(),
    container.getBlockBlobClient(`${id}.state.bin`).downloadToBuffer(),
  ]);
  return referenceLoad(referenceDecodeBlob(def), referenceDecodeBlob(state));
}

describe('submit to a prefix run by a reference coordinator', () => {
  const prefix = uniquePrefix('RefCo');
  const queue = `q-${prefix.toLowerCase()}`;
  let backend: Backend;
  let client: WorkflowClient;
  let reference: ReferenceCoordinator;

  beforeAll(async () => {
    backend = await openTestBackend(prefix);
    client = new WorkflowClient({ backend });
    await client.ensureResources();
    reference = new ReferenceCoordinator(prefix);
    await reference.start();
  });
  afterAll(async () => {
    await reference?.stop();
    await backend?.close();
  });

  it('sees a lease without the jobq mark as a coordinator that is not jobq', async () => {
    expect(await client.planRootDispatch()).toEqual({ bySubmit: true, coordinator: 'other', mode: 'auto' });
  });

  it('dispatches the roots itself: messages on the task queue, roots running at attempt 1, no activate', async () => {
    const r = await client.submit(diamond('mixed', queue), { workflowId: 'wf-mixed-1' });
    expect(r.rootsDispatchedBySubmit).toBe(true);
    const msgs = await drainQueue(backend, queue);
    expect(idsOf(msgs)).toEqual(['wf-mixed-1/r1/1', 'wf-mixed-1/r2/1', 'wf-mixed-1/r3/1']);
    const kwargs = JSON.parse((JSON.parse(msgs[0].body) as { kwargs: string }).kwargs) as Record<
      string,
      unknown
    >;
    expect(kwargs).toMatchObject({ __workflow_id: 'wf-mixed-1', __attempt_no: 1 });
    const view = await referenceView(backend, 'wf-mixed-1');
    expect(view.workflow_state).toBe('running');
    for (const t of view.tasks.filter((x) => x.parents.length === 0))
      expect(t).toMatchObject({ state: 'running', attempt_no: 1 });
    expect((await backend.index.get('wf-mixed-1'))!).toMatchObject({
      workflowState: 'running',
      runningTasks: 3,
      pendingTasks: 1,
    });
    // Give the stand-in a chance to have seen something: nothing was sent to it.
    expect(await backend.completions.approximateDepth()).toBe(0);
    expect(reference.seen.filter((s) => s.workflowId === 'wf-mixed-1')).toEqual([]);
  });

  it('respects max_parallelism, as the reference client does (the rest stay ready, which its ready-repair picks up)', async () => {
    await client.submit(diamond('capped', queue, 2), { workflowId: 'wf-mixed-2' });
    expect(idsOf(await drainQueue(backend, queue))).toEqual(['wf-mixed-2/r1/1', 'wf-mixed-2/r2/1']);
    const view = await referenceView(backend, 'wf-mixed-2');
    expect(view.tasks.map((t) => t.state)).toEqual(['running', 'running', 'ready', 'pending']);
  });

  it('a batch submit dispatches every workflow’s roots and sends no activate message', async () => {
    const items = ['wf-mixed-b1', 'wf-mixed-b2'].map((id) => ({
      source: `${id}.yaml`,
      prepared: client.prepare(diamond(id, queue), { workflowId: id }),
    }));
    const results = await client.submitBatch(items);
    expect(results.map((x) => x.error)).toEqual([null, null]);
    expect(idsOf(await drainQueue(backend, queue))).toHaveLength(6);
    expect(reference.seen.filter((s) => s.workflowId.startsWith('wf-mixed-b'))).toEqual([]);
  });

  it('--no-dispatch-roots leaves them to the coordinator: the reference takes activate for an unknown task and dispatches nothing', async () => {
    const r = await client.submit(diamond('refused', queue), {
      workflowId: 'wf-mixed-3',
      dispatchRoots: 'never',
    });
    expect(r.rootsDispatchedBySubmit).toBe(false);
    await waitFor(() => reference.seen.some((s) => s.workflowId === 'wf-mixed-3'), { what: 'activate seen' });
    expect(reference.seen.find((s) => s.workflowId === 'wf-mixed-3')).toMatchObject({
      taskName: '__jobq_control__',
      ignored: true,
    });
    const view = await waitFor(async () => {
      const v = await referenceView(backend, 'wf-mixed-3');
      return v.workflow_state === 'running' ? v : null;
    });
    // The stall of issue 15: the workflow says running, its roots are ready, and no message is out.
    expect(view.tasks.filter((t) => t.parents.length === 0).map((t) => t.state)).toEqual([
      'ready',
      'ready',
      'ready',
    ]);
    expect(await drainQueue(backend, queue)).toEqual([]);
  });
});

describe('submit keeps sending activate when the coordinator is jobq or absent', () => {
  const prefix = uniquePrefix('JqCo');
  const queue = `q-${prefix.toLowerCase()}`;
  let backend: Backend;
  let client: WorkflowClient;
  beforeAll(async () => {
    backend = await openTestBackend(prefix);
    client = new WorkflowClient({ backend });
    await client.ensureResources();
  });
  afterAll(async () => {
    await backend.lease.release();
    await backend?.close();
  });

  it('no lease held: activate, no roots pushed; --dispatch-roots forces the push without looking', async () => {
    expect((await client.planRootDispatch()).coordinator).toBe('none');
    const r = await client.submit(diamond('alone', queue), { workflowId: 'wf-none-1' });
    expect(r.rootsDispatchedBySubmit).toBe(false);
    expect(await drainQueue(backend, queue)).toEqual([]);
    expect(await backend.completions.approximateDepth()).toBe(1);
    await client.submit(diamond('forced', queue), { workflowId: 'wf-none-2', dispatchRoots: 'always' });
    expect(idsOf(await drainQueue(backend, queue))).toEqual([
      'wf-none-2/r1/1',
      'wf-none-2/r2/1',
      'wf-none-2/r3/1',
    ]);
  });

  it('a jobq coordinator’s marked lease: activate, no roots pushed', async () => {
    await backend.lease.acquire(30, { coordinatorId: 'c1', host: 'h', pid: 1, startedAt: null });
    expect((await client.planRootDispatch()).coordinator).toBe('jobq');
    const r = await client.submit(diamond('jobq', queue), { workflowId: 'wf-jobq-1' });
    expect(r.rootsDispatchedBySubmit).toBe(false);
    expect(await drainQueue(backend, queue)).toEqual([]);
    const view = await referenceView(backend, 'wf-jobq-1');
    expect(view.workflow_state).toBe('pending');
  });
});
