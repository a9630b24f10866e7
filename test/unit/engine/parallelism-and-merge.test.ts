import { describe, expect, it } from 'vitest';
import { def, names, ok, started } from './helpers.js';

describe('max_parallelism (DECISIONS §4.3)', () => {
  it('dispatches up to the cap and parks the rest as ready_pending_budget', () => {
    const { rt, first } = started(def({ a: {}, b: {}, c: {}, d: {} }, { max_parallelism: 2 }));
    expect(names(first)).toEqual(['a', 'b']);
    expect(rt.taskState('c')).toBe('ready_pending_budget');
    expect(rt.taskState('d')).toBe('ready_pending_budget');
  });

  it('releases a parked task in the same step a slot frees, lowest definition index first', () => {
    const { rt } = started(def({ a: {}, b: {}, c: {}, d: {} }, { max_parallelism: 2 }));
    expect(names(ok(rt, 'b'))).toEqual(['c']);
    expect(names(ok(rt, 'a'))).toEqual(['d']);
    expect(rt.summary().running).toBe(2);
  });

  it('a parked task defined earlier goes before a child that became ready later', () => {
    const { rt } = started(def({ a: {}, b: {}, c: {}, x: { deps: ['a'] } }, { max_parallelism: 2 }));
    expect(names(ok(rt, 'a'))).toEqual(['c']);
    expect(rt.taskState('x')).toBe('ready_pending_budget');
    expect(names(ok(rt, 'b'))).toEqual(['x']);
  });
});

describe('merge nodes (DECISIONS §4.7)', () => {
  const merge = (target: string, batch: number) => ({
    kwargs: { __batch_merge: true, __target: target, __batch: batch },
  });

  it('are completed by the engine without a dispatch and release their dependents', () => {
    const { rt } = started(
      def({
        a: {},
        b: {},
        __merge_t_0: { deps: ['a', 'b'], ...merge('t', 0) },
        t: { deps: ['__merge_t_0'] },
      }),
    );
    ok(rt, 'a');
    const r = ok(rt, 'b');
    expect(names(r)).toEqual(['t']);
    expect(rt.taskState('__merge_t_0')).toBe('completed');
    expect(rt.isMergeNode('__merge_t_0')).toBe(true);
    expect(rt.realUpstreamTasks('t')).toEqual(['a', 'b']);
  });

  it('chained merge nodes complete in one step and do not take parallelism slots', () => {
    const { rt } = started(
      def(
        {
          a: {},
          __merge_t_0: { deps: ['a'], ...merge('t', 0) },
          b: { deps: ['__merge_t_0'] },
          __merge_t_1: { deps: ['b', '__merge_t_0'], ...merge('t', 1) },
          t: { deps: ['__merge_t_1'] },
        },
        { max_parallelism: 1 },
      ),
    );
    expect(names(ok(rt, 'a'))).toEqual(['b']);
    expect(names(ok(rt, 'b'))).toEqual(['t']);
    expect(rt.realUpstreamTasks('t')).toEqual(['a', 'b']);
  });
});
