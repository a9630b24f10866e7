/** readTaskLog: the stored log of an attempt, or the one-line reason there is none. */
import { describe, it, expect } from 'vitest';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import {
  readTaskLog,
  followTaskLog,
  failedTasks,
  FINAL_LOG_GRACE_MS,
  type FollowEvent,
} from '../../../src/client/logs.js';
import { def, T0 } from '../engine/helpers.js';
import { logDoc } from '../../support/conformance/storage-log.js';

async function setup() {
  const backend = openMemoryBackend(createMemoryWorld(), 'Unit');
  await backend.ensureResources();
  const d = def({
    a: { num_retries: 1 },
    b: { deps: ['a'] },
    s: { deps: ['a'], condition: 'false' },
    m: {},
  });
  const rt = WorkflowRuntime.fromDefinition(d, { workflowId: 'wf1', now: T0 });
  rt.activate(T0);
  return { backend, rt };
}

describe('readTaskLog', () => {
  it('says a workflow that does not exist was purged or never submitted', async () => {
    const { backend } = await setup();
    const got = await readTaskLog(backend, 'gone', 'a');
    expect(got).toMatchObject({ kind: 'missing', reason: 'workflow-not-found' });
    if (got.kind === 'missing') expect(got.message).toMatch(/purged .*or never submitted/);
  });

  it('names an unknown task', async () => {
    const { backend, rt } = await setup();
    expect(await readTaskLog(backend, 'wf1', 'zz', { runtime: rt })).toMatchObject({
      reason: 'task-not-found',
      message: "workflow wf1 has no task 'zz'",
    });
  });

  it('says a pending task has not run yet', async () => {
    const { backend, rt } = await setup();
    const got = await readTaskLog(backend, 'wf1', 'b', { runtime: rt });
    expect(got).toMatchObject({ reason: 'never-ran', taskState: 'pending' });
    if (got.kind === 'missing')
      expect(got.message).toBe('b has not run yet (pending: waiting on its dependencies)');
  });

  it('says a running attempt has no log yet, then shows it once written', async () => {
    const { backend, rt } = await setup();
    const before = await readTaskLog(backend, 'wf1', 'a', { runtime: rt });
    expect(before).toMatchObject({ reason: 'not-yet-written', attempt: 1, taskState: 'running' });
    await backend.logs.write(logDoc('wf1', 'a', 1, { state: 'running', ended_at: null, success: null }));
    const after = await readTaskLog(backend, 'wf1', 'a', { runtime: rt });
    expect(after).toMatchObject({ kind: 'found', attempt: 1, live: true, storedAttempts: [1] });
    if (after.kind === 'found') expect(after.text).toMatch(/^\S+Z stdout hello from a attempt 1\n/);
  });

  it('keeps every attempt: the latest by default, another with attempt', async () => {
    const { backend, rt } = await setup();
    await backend.logs.write(logDoc('wf1', 'a', 1, { success: false, error: 'boom' }));
    rt.applyCompletion(
      { task: 'a', success: false, outputRef: null, error: 'boom', attemptNo: 1 },
      T0 + 1000,
    );
    await backend.logs.write(logDoc('wf1', 'a', 2, { success: false, error: 'boom again' }));
    rt.applyCompletion(
      { task: 'a', success: false, outputRef: null, error: 'boom again', attemptNo: 2 },
      T0 + 2000,
    );
    const latest = await readTaskLog(backend, 'wf1', 'a', { runtime: rt });
    expect(latest).toMatchObject({
      kind: 'found',
      attempt: 2,
      currentAttempt: 2,
      storedAttempts: [1, 2],
      live: false,
    });
    expect(await readTaskLog(backend, 'wf1', 'a', { runtime: rt, attempt: 1 })).toMatchObject({ attempt: 1 });
    expect(await readTaskLog(backend, 'wf1', 'a', { runtime: rt, attempt: 3 })).toMatchObject({
      reason: 'no-such-attempt',
      message: 'no log for attempt 3 of wf1/a: the task has run 2 attempt(s)',
    });
    expect(failedTasks(rt)).toEqual(['a']);
    // b never ran: its parent failed.
    expect(await readTaskLog(backend, 'wf1', 'b', { runtime: rt })).toMatchObject({
      reason: 'never-ran',
      message: 'b never ran: an upstream task failed',
    });
  });

  it('says a finished attempt without a log ran on a worker that keeps none (Python)', async () => {
    const { backend, rt } = await setup();
    rt.applyCompletion({ task: 'm', success: true, outputRef: null, error: null, attemptNo: 1 }, T0 + 1000);
    const got = await readTaskLog(backend, 'wf1', 'm', { runtime: rt });
    expect(got).toMatchObject({ reason: 'not-stored', attempt: 1, taskState: 'completed' });
    if (got.kind === 'missing') expect(got.message).toMatch(/Python ai4s-jobq worker/);
  });

  it('says an attempt that ended moments ago has its final log on the way, then that none was stored', async () => {
    const { backend, rt } = await setup();
    const ended = T0 + 1000;
    rt.applyCompletion({ task: 'm', success: false, outputRef: null, error: 'boom', attemptNo: 1 }, ended);
    const soon = await readTaskLog(backend, 'wf1', 'm', { runtime: rt, now: ended + 2_000 });
    expect(soon).toMatchObject({ reason: 'not-yet-written', attempt: 1, taskState: 'failed' });
    if (soon.kind === 'missing') expect(soon.message).toMatch(/ended moments ago .*writes the final log/);
    const later = await readTaskLog(backend, 'wf1', 'm', { runtime: rt, now: ended + FINAL_LOG_GRACE_MS });
    expect(later).toMatchObject({ reason: 'not-stored', attempt: 1 });
    await backend.logs.write(logDoc('wf1', 'm', 1, { success: false, error: 'boom' }));
    expect(await readTaskLog(backend, 'wf1', 'm', { runtime: rt, now: ended + 2_000 })).toMatchObject({
      kind: 'found',
      live: false,
    });
  });

  it('a refreshed log whose worker went quiet is no longer live', async () => {
    const { backend, rt } = await setup();
    rt.applyTimeout('m', T0 + 5000, 'task timed out after 5s');
    await backend.logs.write(
      logDoc('wf1', 'm', 1, { state: 'running', updated_at: new Date(T0).toISOString(), refresh_s: 10 }),
    );
    expect(await readTaskLog(backend, 'wf1', 'm', { runtime: rt, now: T0 + 20_000 })).toMatchObject({
      live: true,
    });
    expect(await readTaskLog(backend, 'wf1', 'm', { runtime: rt, now: T0 + 40_000 })).toMatchObject({
      live: false,
    });
  });
});

describe('followTaskLog', () => {
  it('reports new lines of each refresh once and ends with the final log', async () => {
    const { backend, rt } = await setup();
    await backend.state.createWorkflow(rt.toDefinitionDoc(), rt.toStateDoc());
    const events: FollowEvent[] = [];
    const line = (n: number) => ({ t: T0 + n, stream: 'stdout' as const, text: `line ${n}` });
    const writes = [
      logDoc('wf1', 'a', 1, { state: 'running', lines: [line(1), line(2)] }),
      // The bound dropped line 1 (seen) and line 3 (never seen).
      logDoc('wf1', 'a', 1, { state: 'running', dropped_lines: 3, lines: [line(4)] }),
      logDoc('wf1', 'a', 1, { state: 'final', dropped_lines: 3, lines: [line(4), line(5)] }),
    ];
    let polls = 0;
    const it = followTaskLog(backend, 'wf1', 'a', { intervalMs: 1 });
    for await (const e of it) {
      events.push(e);
      if ((e.kind === 'waiting' || e.kind === 'lines') && polls < writes.length)
        await backend.logs.write(writes[polls++]);
    }
    expect(events.map((e) => e.kind)).toEqual(['waiting', 'lines', 'lines', 'lines', 'end']);
    const texts = events.flatMap((e) => (e.kind === 'lines' ? e.lines.map((l) => l.text) : []));
    expect(texts).toEqual(['line 1', 'line 2', 'line 4', 'line 5']);
    expect(events.map((e) => (e.kind === 'lines' ? e.dropped : -1))).toEqual([-1, 0, 1, 0, -1]);
  });
});
