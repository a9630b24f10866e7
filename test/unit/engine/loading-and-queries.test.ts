import { describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import type { StateDocV1 } from '../../../src/wire/docs.js';
import { T0, def, names, ok, started } from './helpers.js';

const stateDoc = (
  tasks: StateDocV1['tasks'],
  workflow_state: StateDocV1['workflow_state'] = 'running',
): StateDocV1 => ({
  v: 1,
  workflow_id: 'wf1',
  workflow_state,
  cancel_requested: false,
  updated_at: '2026-11-25T22:30:00+00:00',
  error: null,
  tasks,
});

describe('loading stored state', () => {
  const d = () => started(def({ a: {}, b: {}, c: { deps: ['a'] } })).rt.toDefinitionDoc();

  it('READY tasks of an activated workflow wait for ready-repair (their message may be out)', () => {
    const rt = WorkflowRuntime.fromDocs(
      d(),
      stateDoc({ a: { state: 'ready', attempt_no: 1 }, b: { state: 'running', attempt_no: 1 } }),
    );
    expect(ok(rt, 'b').dispatch).toEqual([]);
    expect(rt.readyTasks()).toEqual(['a']);
    expect(rt.redispatchReady(T0 + 5000).dispatch).toEqual([{ task: 'a', attemptNo: 2, queue: 'default' }]);
  });

  it('a pending task whose dependencies were already met is examined at the next step', () => {
    const rt = WorkflowRuntime.fromDocs(
      d(),
      stateDoc({
        a: { state: 'completed', attempt_no: 1, completed_at: '2026-11-25T22:30:00+00:00' },
        b: { state: 'running', attempt_no: 1 },
      }),
    );
    expect(rt.taskState('c')).toBe('pending');
    expect(names(rt.redispatchReady(T0))).toEqual(['c']);
  });

  it('unknown states and fields default to pending/0/null', () => {
    const rt = WorkflowRuntime.fromDocs(
      d(),
      stateDoc({ a: { state: 'bogus' as never }, zz: { state: 'running' } }),
    );
    expect(rt.taskState('a')).toBe('pending');
    expect(rt.taskAttempt('a')).toBe(0);
  });
});

describe('queries', () => {
  it('status records carry the reference fields', () => {
    const { rt } = started(
      def({ a: { queue: 'gpu', num_retries: 2, timeout_s: 9 }, b: { deps: ['a'], dep_policy: 1 } }),
    );
    ok(rt, 'a', '{"x": 1}', T0 + 4000);
    expect(rt.taskStatus('a')).toEqual({
      name: 'a',
      status: 'completed',
      depends_on: [],
      depended_by: ['b'],
      dep_policy: 'all',
      completed_deps: 0,
      failed_deps: 0,
      queue: 'gpu',
      output_ref: '{"x": 1}',
      error: null,
      started_at: '2026-11-25T22:30:00+00:00',
      completed_at: '2026-11-25T22:30:04+00:00',
      retries_remaining: 2,
      task_timeout_s: 9,
      updated_at: '2026-11-25T22:30:04+00:00',
      attempt_no: 1,
      num_retries: 2,
      condition: null,
      is_merge: false,
    });
    expect(rt.taskStatus('b').dep_policy).toBe('1');
    expect(rt.taskStatus('b').completed_deps).toBe(1);
    expect(rt.parentOutputRefs('b')).toEqual([['a', '{"x": 1}']]);
  });

  it('lists resolved queues sorted and unique, and kwargs as JSON text', () => {
    const rt = WorkflowRuntime.fromDefinition(
      def(
        { a: { queue: 'z' }, b: {}, c: { queue: 'z', kwargs: { cmd: 'x', env: { K: 'v' } } } },
        { default_queue: 'd' },
      ),
      { workflowId: 'w', now: T0 },
    );
    expect(rt.queuesUsed()).toEqual(['d', 'z']);
    expect(JSON.parse(rt.taskKwargsJson('c'))).toEqual({ cmd: 'x', env: { K: 'v' } });
    expect(rt.taskNames()).toEqual(['a', 'b', 'c']);
    expect(() => rt.taskState('nope')).toThrow(/unknown task/);
  });

  it('finds names with any characters through the hash index', () => {
    const tasks: Record<string, object> = {};
    const odd = ['a/b', 'ä-ö', 'x y', '🙂', 'a'.repeat(300)];
    for (let i = 0; i < 2000; i++) tasks[`t${i}`] = {};
    for (const n of odd) tasks[n] = {};
    const rt = WorkflowRuntime.fromDefinition(def(tasks), { workflowId: 'w', now: T0 });
    for (const n of [...odd, 't0', 't1999']) expect(rt.hasTask(n)).toBe(true);
    expect(rt.hasTask('t2000')).toBe(false);
    expect(rt.hasTask('a/')).toBe(false);
  });
});
