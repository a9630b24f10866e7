import { describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import { T0, def, fail, names, ok, started } from './helpers.js';

describe('initial state and activation (DECISIONS §4.2)', () => {
  it('roots start ready, others pending, workflow pending and nothing dispatched', () => {
    const rt = WorkflowRuntime.fromDefinition(def({ a: {}, b: { deps: ['a'] } }), {
      workflowId: 'w',
      now: T0,
    });
    expect(rt.taskState('a')).toBe('ready');
    expect(rt.taskState('b')).toBe('pending');
    expect(rt.state).toBe('pending');
    expect(rt.activated).toBe(false);
    expect(rt.redispatchReady(T0).dispatch).toEqual([]);
  });

  it('activate dispatches the roots at attempt 1 with their resolved queue, once', () => {
    const rt = WorkflowRuntime.fromDefinition(def({ a: {}, b: { queue: 'gpu' } }, { default_queue: 'cpu' }), {
      workflowId: 'w',
      now: T0,
    });
    const r = rt.activate(T0);
    expect(r.dispatch).toEqual([
      { task: 'a', attemptNo: 1, queue: 'cpu' },
      { task: 'b', attemptNo: 1, queue: 'gpu' },
    ]);
    expect(rt.state).toBe('running');
    expect(rt.activate(T0 + 1).dispatch).toEqual([]);
  });

  it('resolves default_task_timeout_s into tasks without their own timeout', () => {
    const rt = WorkflowRuntime.fromDefinition(
      def({ a: { timeout_s: 5 }, b: {} }, { default_task_timeout_s: 60 }),
      {
        workflowId: 'w',
        now: T0,
      },
    );
    expect(rt.taskStatus('a').task_timeout_s).toBe(5);
    expect(rt.taskStatus('b').task_timeout_s).toBe(60);
  });
});

describe('applying completions (reference §2.4)', () => {
  it('success stores the output, stamps completed_at and dispatches children', () => {
    const { rt } = started(def({ a: {}, b: { deps: ['a'] } }));
    const r = ok(rt, 'a', '{"x":1}', T0 + 7000);
    expect(names(r)).toEqual(['b']);
    expect(rt.outputRef('a')).toBe('{"x":1}');
    expect(rt.taskStatus('a').completed_at).toBe('2026-11-25T22:30:07+00:00');
    expect(r.changed).toBe(true);
  });

  it('ignores completions for unknown tasks', () => {
    const { rt } = started(def({ a: {} }));
    const r = rt.applyCompletion(
      { task: 'zz', success: true, outputRef: null, error: null, attemptNo: 1 },
      T0,
    );
    expect(r.ignored).toBe('unknown_task');
    expect(r.changed).toBe(false);
  });

  it('a duplicate completion of a terminal task is ignored', () => {
    const { rt } = started(def({ a: {}, b: { deps: ['a'] } }));
    ok(rt, 'a');
    const r = ok(rt, 'a');
    expect(r.ignored).toBe('duplicate');
    expect(r.dispatch).toEqual([]);
    expect(rt.taskAttempt('b')).toBe(1);
  });

  it('a stale attempt is ignored while the newer attempt runs', () => {
    const { rt } = started(def({ a: { num_retries: 1 } }));
    fail(rt, 'a');
    expect(rt.taskAttempt('a')).toBe(2);
    const r = rt.applyCompletion(
      { task: 'a', success: true, outputRef: null, error: null, attemptNo: 1 },
      T0,
    );
    expect(r.ignored).toBe('stale');
    expect(rt.taskState('a')).toBe('running');
  });

  it('push-before-flush: a READY task accepts a completion from a newer attempt and adopts it', () => {
    const doc = started(def({ a: {}, b: { deps: ['a'] } })).rt.toDefinitionDoc();
    const rt = WorkflowRuntime.fromDocs(doc, {
      v: 1,
      workflow_id: 'wf1',
      workflow_state: 'running',
      cancel_requested: false,
      updated_at: '2026-11-25T22:30:00+00:00',
      error: null,
      tasks: { a: { state: 'ready', attempt_no: 1 } },
    });
    expect(
      rt.applyCompletion({ task: 'a', success: true, outputRef: null, error: null, attemptNo: 1 }, T0)
        .ignored,
    ).toBe('duplicate');
    const r = rt.applyCompletion(
      { task: 'a', success: true, outputRef: null, error: null, attemptNo: 2 },
      T0,
    );
    expect(r.ignored).toBeNull();
    expect(rt.taskAttempt('a')).toBe(2);
    expect(names(r)).toEqual(['b']);
  });

  it('a completion for a pending task is ignored', () => {
    const { rt } = started(def({ a: {}, b: { deps: ['a'] } }));
    const r = rt.applyCompletion(
      { task: 'b', success: true, outputRef: null, error: null, attemptNo: 1 },
      T0,
    );
    expect(r.ignored).toBe('duplicate');
    expect(rt.taskState('b')).toBe('pending');
  });

  it('a newer attempt than the running one is accepted and raises the stored attempt', () => {
    const { rt } = started(def({ a: {} }));
    const r = rt.applyCompletion(
      { task: 'a', success: true, outputRef: null, error: null, attemptNo: 3 },
      T0,
    );
    expect(r.ignored).toBeNull();
    expect(rt.taskAttempt('a')).toBe(3);
  });

  it('a completion without attempt number (old worker) is applied to the running task', () => {
    const { rt } = started(def({ a: {} }));
    rt.applyCompletion({ task: 'a', success: true, outputRef: null, error: null, attemptNo: null }, T0);
    expect(rt.taskState('a')).toBe('completed');
  });
});

describe('retries (DECISIONS §4.1: at most num_retries + 1 runs)', () => {
  it.each([0, 1, 2, 3])('num_retries=%i runs the task num_retries + 1 times', (n) => {
    const { rt, first } = started(def({ a: { num_retries: n } }));
    const attempts = [first.dispatch[0].attemptNo];
    for (;;) {
      const r = fail(rt, 'a');
      if (r.dispatch.length === 0) break;
      expect(r.retried).toBe(true);
      attempts.push(r.dispatch[0].attemptNo);
    }
    expect(attempts).toEqual(Array.from({ length: n + 1 }, (_, k) => k + 1));
    expect(rt.taskState('a')).toBe('failed');
    expect(rt.taskStatus('a').error).toBe('boom');
  });

  it('retries_remaining counts down from num_retries to 0 on the last attempt', () => {
    const { rt } = started(def({ a: { num_retries: 2 } }));
    expect(rt.taskStatus('a').retries_remaining).toBe(2);
    fail(rt, 'a');
    expect(rt.taskStatus('a').retries_remaining).toBe(1);
    fail(rt, 'a');
    expect(rt.taskStatus('a').retries_remaining).toBe(0);
  });

  it('a failure without an error message records "task failed"', () => {
    const { rt } = started(def({ a: {} }));
    fail(rt, 'a', null);
    expect(rt.taskStatus('a').error).toBe('task failed');
  });

  it('a re-armed task keeps the previous error until it succeeds', () => {
    const { rt } = started(def({ a: { num_retries: 1 } }));
    fail(rt, 'a', 'first');
    expect(rt.taskStatus('a').error).toBe('first');
    ok(rt, 'a');
    expect(rt.taskStatus('a').error).toBeNull();
  });
});

describe('timeouts', () => {
  it('reports running tasks past their timeout (task timeout, else the default), never early', () => {
    const { rt } = started(def({ a: { timeout_s: 10 }, b: {} }));
    expect(rt.timedOutTasks(T0 + 10_000, null)).toEqual([]);
    expect(rt.timedOutTasks(T0 + 11_500, null)).toEqual([{ task: 'a', timeoutS: 10 }]);
    expect(rt.timedOutTasks(T0 + 31_500, 30).map((t) => t.task)).toEqual(['a', 'b']);
  });

  it('a timeout is a failure: retried and re-dispatched at once while budget remains', () => {
    const { rt } = started(def({ a: { num_retries: 1, timeout_s: 1 } }));
    const r = rt.applyTimeout('a', T0 + 5000, 'task timed out after 1s');
    expect(r.retried).toBe(true);
    expect(r.dispatch).toEqual([{ task: 'a', attemptNo: 2, queue: 'default' }]);
    rt.applyTimeout('a', T0 + 9000, 'task timed out after 1s');
    expect(rt.taskState('a')).toBe('failed');
    expect(rt.taskStatus('a').error).toBe('task timed out after 1s');
  });

  it('a timeout for a task that is no longer running is ignored', () => {
    const { rt } = started(def({ a: {} }));
    ok(rt, 'a');
    expect(rt.applyTimeout('a', T0, 'late').ignored).toBe('duplicate');
  });
});
