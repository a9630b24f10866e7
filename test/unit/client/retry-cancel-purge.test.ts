import { describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import { purgeOrphans, purgeWorkflows, findOrphans } from '../../../src/client/maintenance.js';
import { controlMessages, definition, memoryClient, task } from './helpers.js';
import type { Backend } from '../../../src/ports/backend.js';

/** Play the coordinator: activate, then fail task `name` (no retries left). */
async function activateAndFail(backend: Backend, id: string, name: string): Promise<void> {
  const stored = (await backend.state.load(id))!;
  const rt = WorkflowRuntime.fromDocs(stored.def, stored.state);
  const now = Date.now();
  const step = rt.activate(now);
  const attempt = step.dispatch.find((d) => d.task === name)!.attemptNo;
  rt.applyCompletion({ task: name, success: false, outputRef: null, error: 'boom', attemptNo: attempt }, now);
  await backend.state.saveState(rt.toStateDoc(), stored.etag);
}

describe('WorkflowClient.retry', () => {
  it('resets failed tasks under CAS, parks them for the coordinator, clears cancel and sends retry', async () => {
    const { client, backend } = memoryClient();
    await client.submit(definition([task('a'), task('b', ['a'])]), { workflowId: 'r1' });
    await activateAndFail(backend, 'r1', 'a');
    expect((await client.status('r1')).status).toBe('failed');
    await backend.index.requestCancel('r1');
    await controlMessages(backend);

    const counters = await client.retry('r1');
    expect(counters).toEqual({ reset: 2, now_ready: 1, still_pending: 1 });
    const st = await client.status('r1');
    expect(st.status).toBe('running');
    expect(st.running).toBe(0); // the client never dispatches
    expect(st.cancel_requested).toBe(false);
    expect(await controlMessages(backend)).toEqual([{ type: 'retry', workflowId: 'r1' }]);

    // A coordinator loading the state dispatches the parked task at a fresh attempt.
    const stored = (await backend.state.load('r1'))!;
    const rt = WorkflowRuntime.fromDocs(stored.def, stored.state);
    const step = rt.activate(Date.now());
    expect(step.dispatch.map((d) => d.task)).toEqual(['a']);
  });

  it('answers zero counters and writes nothing when nothing failed', async () => {
    const { client, backend } = memoryClient();
    await client.submit(definition([task('a')]), { workflowId: 'r2' });
    await controlMessages(backend);
    expect(await client.retry('r2')).toEqual({ reset: 0, now_ready: 0, still_pending: 0 });
    expect(await controlMessages(backend)).toEqual([]);
  });

  it('reports a missing workflow', async () => {
    const { client } = memoryClient();
    await expect(client.retry('nope')).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
  });
});

describe('WorkflowClient.cancel', () => {
  it('sets the index flag and sends a cancel message; idempotent', async () => {
    const { client, backend } = memoryClient();
    await client.submit(definition([task('a')]), { workflowId: 'c1' });
    await controlMessages(backend);
    expect(await client.cancel('c1')).toBe(true);
    expect(await client.cancel('c1')).toBe(false);
    expect(await backend.index.getCancelRequested('c1')).toBe(true);
    expect((await controlMessages(backend)).map((m) => m.type)).toEqual(['cancel', 'cancel']);
    await expect(client.cancel('missing')).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
  });
});

describe('purge', () => {
  it('deletes terminal workflows only unless all is set', async () => {
    const { client, backend } = memoryClient();
    await client.submit(definition([task('a')]), { workflowId: 'done' });
    await client.submit(definition([task('a')]), { workflowId: 'live' });
    await activateAndFail(backend, 'done', 'a');
    await backend.index.update('done', { workflowState: 'failed' });
    expect(await purgeWorkflows(backend)).toEqual({ workflows: 1, tasks: 0 });
    expect((await backend.index.list()).map((r) => r.workflowId)).toEqual(['live']);
    expect(await purgeWorkflows(backend, { all: true })).toEqual({ workflows: 1, tasks: 0 });
    expect(await backend.state.listWorkflowIds()).toEqual([]);
  });

  it('finds and removes orphan blobs (no index row) older than the grace period only', async () => {
    let now = Date.now();
    const { client, backend } = memoryClient(() => now);
    await client.submit(definition([task('a')]), { workflowId: 'orphan' });
    await client.submit(definition([task('a')]), { workflowId: 'kept' });
    await backend.index.delete('orphan'); // as if the submit crashed before its index write
    expect(await findOrphans(backend, now)).toEqual([]); // still within the grace period
    now += 120_000;
    expect((await findOrphans(backend, now)).map((o) => o.workflowId)).toEqual(['orphan']);
    expect(await purgeOrphans(backend, now)).toEqual(['orphan']);
    expect(await backend.state.listWorkflowIds()).toEqual(['kept']);
  });
});
