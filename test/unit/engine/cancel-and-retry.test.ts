import { describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import { T0, def, fail, names, ok, started } from './helpers.js';

describe('cancel (reference §2.10)', () => {
  it('cancels waiting tasks, leaves running ones, and is cancelling until they finish', () => {
    const { rt } = started(def({ a: {}, b: {}, c: { deps: ['a'] } }));
    ok(rt, 'b');
    const r = rt.requestCancel(T0 + 2000);
    expect(r.running).toEqual(['a']);
    expect(rt.taskState('c')).toBe('cancelled');
    expect(rt.taskState('b')).toBe('completed');
    expect(rt.state).toBe('cancelling');
    expect(rt.cancelRequested).toBe(true);
    const done = ok(rt, 'a');
    expect(done.dispatch).toEqual([]);
    expect(rt.state).toBe('cancelled');
  });

  it('a failing task is not retried while cancel is requested', () => {
    const { rt } = started(def({ a: { num_retries: 3 } }));
    rt.requestCancel(T0);
    const r = fail(rt, 'a');
    expect(r.retried).toBe(false);
    expect(rt.taskState('a')).toBe('failed');
    expect(rt.state).toBe('cancelled');
  });

  it('is idempotent: a second cancel changes nothing', () => {
    const { rt } = started(def({ a: {}, b: { deps: ['a'] } }));
    rt.requestCancel(T0);
    const again = rt.requestCancel(T0 + 1000);
    expect(again.changed).toBe(false);
    expect(again.running).toEqual(['a']);
  });

  it('cancelling a workflow that was never activated ends it cancelled', () => {
    const rt = WorkflowRuntime.fromDefinition(def({ a: {} }), { workflowId: 'w', now: T0 });
    rt.requestCancel(T0);
    expect(rt.state).toBe('cancelled');
    expect(rt.activate(T0).dispatch).toEqual([]);
  });
});

describe('workflow retry (reference §2.11 + DECISIONS §4.4)', () => {
  it('resets failed, upstream_failed and cancelled tasks and dispatches what is ready', () => {
    const { rt } = started(def({ a: {}, b: { deps: ['a'] }, c: {} }));
    fail(rt, 'a');
    ok(rt, 'c');
    expect(rt.state).toBe('failed');
    const r = rt.resetFailed(T0 + 5000);
    expect(r.reset).toBe(2);
    expect(r.nowReady).toBe(1);
    expect(r.stillPending).toBe(1);
    expect(r.dispatch).toEqual([{ task: 'a', attemptNo: 1, queue: 'default' }]);
    expect(rt.taskState('c')).toBe('completed');
    expect(rt.taskStatus('a').error).toBeNull();
    expect(rt.state).toBe('running');
    ok(rt, 'a');
    ok(rt, 'b');
    expect(rt.state).toBe('completed');
  });

  it('clears cancel and resumes cancelled work', () => {
    const { rt } = started(def({ a: {}, b: { deps: ['a'] } }));
    rt.requestCancel(T0);
    ok(rt, 'a');
    expect(rt.state).toBe('cancelled');
    const r = rt.resetFailed(T0 + 1000);
    expect(rt.cancelRequested).toBe(false);
    expect(names(r)).toEqual(['b']);
  });

  it('re-evaluates conditional tasks whose parents are done (no stranded candidates)', () => {
    const { rt } = started(def({ a: {}, b: { deps: ['a'], condition: 'inputs.a.go' }, x: {} }));
    rt.requestCancel(T0);
    ok(rt, 'a', '{"go": true}');
    ok(rt, 'x');
    expect(rt.taskState('b')).toBe('cancelled');
    const r = rt.resetFailed(T0 + 1000);
    expect(names(r)).toEqual(['b']);
  });

  it('does not dispatch before activation', () => {
    const rt = WorkflowRuntime.fromDefinition(def({ a: {} }), { workflowId: 'w', now: T0 });
    rt.requestCancel(T0);
    const r = rt.resetFailed(T0);
    expect(r.dispatch).toEqual([]);
    expect(rt.taskState('a')).toBe('ready');
    expect(rt.state).toBe('pending');
  });
});

describe('workflow state and result policy (reference §2.7–2.8)', () => {
  it('all_sinks_succeed: a failure absorbed before a successful sink completes the workflow', () => {
    const { rt } = started(def({ a: {}, b: {}, s: { deps: ['a', 'b'], dep_policy: 'all_settled' } }));
    fail(rt, 'a');
    ok(rt, 'b');
    ok(rt, 's');
    expect(rt.state).toBe('completed');
  });

  it('all_tasks_succeed: the same run fails', () => {
    const { rt } = started(
      def(
        { a: {}, b: {}, s: { deps: ['a', 'b'], dep_policy: 'all_settled' } },
        { result_policy: 'all_tasks_succeed' },
      ),
    );
    fail(rt, 'a');
    ok(rt, 'b');
    ok(rt, 's');
    expect(rt.state).toBe('failed');
  });

  it('a failed sink fails the workflow', () => {
    const { rt } = started(def({ a: {}, b: {} }));
    ok(rt, 'a');
    fail(rt, 'b');
    expect(rt.state).toBe('failed');
    expect(rt.isTerminal()).toBe(true);
  });

  it('summary counts ready and parked tasks as pending and failures together', () => {
    const { rt } = started(def({ a: {}, b: {}, c: {}, d: { deps: ['a'] } }, { max_parallelism: 2 }));
    fail(rt, 'a');
    expect(rt.summary()).toEqual({
      total: 4,
      completed: 0,
      running: 2,
      failed: 2,
      pending: 0,
      skipped: 0,
      ready: 0,
    });
  });
});

describe('retry and waiting dependents', () => {
  it('a parked all_settled task whose failed parent is reset waits for that parent again', () => {
    const { rt } = started(
      def(
        { a: {}, b: {}, c: {}, j: { deps: ['a', 'b'], dep_policy: 'all_settled' } },
        { max_parallelism: 1 },
      ),
    );
    rt.applyCompletion({ task: 'a', success: false, outputRef: null, error: 'x', attemptNo: 1 }, T0);
    ok(rt, 'b');
    expect(rt.taskState('j')).toBe('ready_pending_budget');
    rt.resetFailed(T0 + 1000);
    expect(rt.taskState('j')).toBe('pending');
    expect(rt.taskState('a')).toBe('ready_pending_budget');
  });
});
