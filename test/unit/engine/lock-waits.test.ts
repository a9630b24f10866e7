/**
 * Tasks parked behind a mutex/semaphore (issue 19 §3, engine side): `deferForLock` undoes a dispatch
 * whose message was never sent — the task is READY again at its previous attempt, is never drained
 * until `grantLock`, and frees its max_parallelism slot. The state blob says `ready` (no new task
 * state) and records the wait only under the extra `jobq` key (golden fixture; the reference reader
 * loads it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import { TASK_STATES } from '../../../src/engine/states.js';
import type { StateDocV1 } from '../../../src/wire/docs.js';
import { StateBlobEncoder } from '../../../src/wire/state-blob.js';
import { decodeDoc } from '../../../src/wire/blob-codec.js';
import { STATE_KEYS, STATE_TASK_KEYS } from '../../support/reference-doc-keys.js';
import { referenceLoad } from '../../support/reference-reader.js';
import { T0, def, started } from './helpers.js';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../fixtures/docs/${name}`, import.meta.url), 'utf8')) as T;

function locked(maxParallelism: number | null = null) {
  const d = def({ a: {}, b: {}, c: { deps: ['a'] } }, { max_parallelism: maxParallelism });
  d.tasks[0].mutex = 'db';
  d.tasks[1].semaphore = 'pool';
  return started(d);
}

const names = (s: { dispatch: { task: string }[] }) => s.dispatch.map((d) => d.task);

describe('deferForLock / grantLock', () => {
  it('puts a dispatched task back to READY at its previous attempt, out of every later drain', () => {
    const { rt, first } = locked();
    expect(names(first)).toEqual(['a', 'b']);
    const r = rt.deferForLock('a', 1, T0 + 500);
    expect(r.changed).toBe(true);
    expect(rt.taskState('a')).toBe('ready');
    expect(rt.taskAttempt('a')).toBe(0);
    expect(rt.taskStatus('a').started_at).toBeNull();
    expect(rt.lockWaitSince('a')).toBe(T0 + 500);
    expect(rt.lockWaitingTasks()).toEqual(['a']);
    // Neither activation, ready-repair nor another completion dispatches it.
    expect(names(rt.activate(T0 + 600))).toEqual([]);
    expect(rt.readyTasks()).toEqual([]);
    expect(names(rt.redispatchReady(T0 + 700))).toEqual([]);
    expect(
      names(
        rt.applyCompletion(
          { task: 'b', success: true, outputRef: null, error: null, attemptNo: 1 },
          T0 + 800,
        ),
      ),
    ).toEqual([]);
    expect(rt.taskState('a')).toBe('ready');
  });

  it('grantLock dispatches it at the attempt it was first dispatched with', () => {
    const { rt } = locked();
    rt.deferForLock('a', 1, T0 + 500);
    const g = rt.grantLock('a', T0 + 900);
    expect(g.dispatch).toEqual([{ task: 'a', attemptNo: 1, queue: 'default' }]);
    expect(rt.taskState('a')).toBe('running');
    expect(rt.lockWaitSince('a')).toBeNull();
    expect(rt.taskStatus('a').started_at).toBe('2026-11-25T22:30:00+00:00');
  });

  it('ignores a defer of a task not running at that attempt, and a grant of a task not waiting', () => {
    const { rt } = locked();
    expect(rt.deferForLock('a', 2, T0).ignored).toBe('duplicate');
    expect(rt.deferForLock('c', 1, T0).ignored).toBe('duplicate');
    expect(rt.deferForLock('zz', 1, T0).ignored).toBe('unknown_task');
    expect(rt.grantLock('a', T0).ignored).toBe('duplicate');
    expect(rt.taskState('a')).toBe('running');
  });

  it('a waiting task frees its max_parallelism slot; a grant with no free slot parks until one frees', () => {
    const d = def({ a: {}, b: {}, c: {} }, { max_parallelism: 1 });
    d.tasks[0].mutex = 'db';
    const { rt, first } = started(d);
    expect(names(first)).toEqual(['a']);
    // a must wait: its slot goes to b at once (DECISIONS §4.3, the same step).
    expect(names(rt.deferForLock('a', 1, T0 + 100))).toEqual(['b']);
    // Granted while b runs: parked by the budget, holding its grant (no longer a lock waiter).
    expect(names(rt.grantLock('a', T0 + 200))).toEqual([]);
    expect(rt.taskState('a')).toBe('ready_pending_budget');
    expect(rt.lockWaitSince('a')).toBeNull();
    const done = rt.applyCompletion(
      { task: 'b', success: true, outputRef: null, error: null, attemptNo: 1 },
      T0 + 300,
    );
    expect(done.dispatch[0]).toEqual({ task: 'a', attemptNo: 1, queue: 'default' });
  });

  it('cancel moves a waiting task to cancelled and it stops waiting', () => {
    const { rt } = locked();
    rt.deferForLock('a', 1, T0 + 100);
    rt.requestCancel(T0 + 200);
    expect(rt.taskState('a')).toBe('cancelled');
    expect(rt.lockWaitingTasks()).toEqual([]);
    expect('jobq' in rt.toStateDoc()).toBe(false);
  });
});

describe('a lock wait in the state blob', () => {
  const waiting = () => {
    const { rt } = locked();
    rt.deferForLock('a', 1, T0 + 500);
    return rt;
  };

  it('is `ready` with the reference keys; the wait is only under jobq.lock_waits (golden)', () => {
    const doc = waiting().toStateDoc();
    expect(doc).toEqual(fixture<StateDocV1>('jobq-extension-lock-wait-state.json'));
    expect(Object.keys(doc)).toEqual([...STATE_KEYS, 'jobq']);
    for (const t of Object.values(doc.tasks)) {
      for (const k of Object.keys(t)) expect(STATE_TASK_KEYS).toContain(k);
      expect(TASK_STATES).toContain(t.state);
    }
  });

  it('the reference reader sees a ready task and nothing it does not know', () => {
    const rt = waiting();
    const ref = referenceLoad(
      rt.toDefinitionDoc() as unknown as Record<string, unknown>,
      rt.toStateDoc() as unknown as Record<string, unknown>,
    );
    expect(ref.tasks.find((t) => t.name === 'a')).toMatchObject({ state: 'ready', attempt_no: 0 });
    expect(ref.workflow_state).toBe('running');
  });

  it('survives a reload (still waiting, still not drained) and the chunked text encodes the same document', () => {
    const rt = waiting();
    const again = WorkflowRuntime.fromDocs(rt.toDefinitionDoc(), rt.toStateDoc());
    expect(again.lockWaitSince('a')).toBe(T0 + 500);
    expect(names(again.redispatchReady(T0 + 1000))).toEqual([]);
    expect(again.grantLock('a', T0 + 1100).dispatch).toEqual([{ task: 'a', attemptNo: 1, queue: 'default' }]);
    expect(decodeDoc(new StateBlobEncoder().encode(rt.toStateText()))).toEqual(rt.toStateDoc());
  });

  it('a wait recorded for a task that is no longer READY (a reader moved it on) is dropped at load', () => {
    const rt = waiting();
    const state = rt.toStateDoc();
    state.tasks.a = { ...state.tasks.a, state: 'cancelled' };
    const again = WorkflowRuntime.fromDocs(rt.toDefinitionDoc(), state);
    expect(again.lockWaitingTasks()).toEqual([]);
  });
});
