import { describe, expect, it } from 'vitest';
import {
  POLICY_ALL,
  POLICY_ALL_SETTLED,
  POLICY_ANY,
  VERDICT_SATISFIED as SAT,
  VERDICT_UNSATISFIABLE as UNSAT,
  VERDICT_WAITING as WAIT,
  policyVerdict,
} from '../../../src/engine/codes.js';
import { def, fail, names, ok, started } from './helpers.js';

describe('dependency policy table (reference §2.5)', () => {
  // [policy, parents, done, failed, verdict]
  const rows: [string, number, number, number, number, number][] = [
    ['all: every parent done', POLICY_ALL, 3, 3, 0, SAT],
    ['all: some parents still running', POLICY_ALL, 3, 2, 0, WAIT],
    ['all: one failure is fatal even when others are done', POLICY_ALL, 3, 2, 1, UNSAT],
    ['any: one done is enough (eager)', POLICY_ANY, 3, 1, 0, SAT],
    ['any: one done beats failures', POLICY_ANY, 3, 1, 2, SAT],
    ['any: nothing done yet', POLICY_ANY, 3, 0, 2, WAIT],
    ['any: all failed', POLICY_ANY, 3, 0, 3, UNSAT],
    ['all_settled: not all terminal yet', POLICY_ALL_SETTLED, 3, 2, 0, WAIT],
    ['all_settled: all terminal, one done', POLICY_ALL_SETTLED, 3, 1, 2, SAT],
    ['all_settled: all terminal, none done', POLICY_ALL_SETTLED, 3, 0, 3, UNSAT],
    ['N=2: two done', 2, 4, 2, 0, SAT],
    ['N=2: one done, can still make it', 2, 4, 1, 2, WAIT],
    ['N=2: too many failed to reach N', 2, 4, 1, 3, UNSAT],
    ['N=2: two done wins even with failures', 2, 4, 2, 2, SAT],
    ['root: always satisfied', POLICY_ALL, 0, 0, 0, SAT],
  ];
  it.each(rows)('%s', (_label, policy, parents, done, failed, verdict) => {
    expect(policyVerdict(policy, parents, done, failed)).toBe(verdict);
  });
});

describe('dependency policies in a running workflow', () => {
  const diamond = (policy: 'all' | 'any' | 'all_settled' | number) =>
    def({ a: {}, b: {}, c: {}, sink: { deps: ['a', 'b', 'c'], dep_policy: policy } });

  it('all: the sink waits for every parent, then dispatches', () => {
    const { rt } = started(diamond('all'));
    ok(rt, 'a');
    ok(rt, 'b');
    expect(rt.taskState('sink')).toBe('pending');
    expect(names(ok(rt, 'c'))).toEqual(['sink']);
  });

  it('all: one failure makes the sink upstream_failed at once', () => {
    const { rt } = started(diamond('all'));
    const r = fail(rt, 'a');
    expect(rt.taskState('sink')).toBe('upstream_failed');
    expect(rt.taskStatus('sink').error).toBe('upstream task(s) failed');
    expect(r.cascaded).toEqual(['sink']);
  });

  it('any: the first success dispatches the sink without waiting', () => {
    const { rt } = started(diamond('any'));
    fail(rt, 'a');
    expect(names(ok(rt, 'b'))).toEqual(['sink']);
    expect(rt.taskState('c')).toBe('running');
  });

  it('any: the sink fails only when every parent failed', () => {
    const { rt } = started(diamond('any'));
    fail(rt, 'a');
    fail(rt, 'b');
    expect(rt.taskState('sink')).toBe('pending');
    fail(rt, 'c');
    expect(rt.taskState('sink')).toBe('upstream_failed');
  });

  it('all_settled: waits for every parent and runs if one succeeded', () => {
    const { rt } = started(diamond('all_settled'));
    fail(rt, 'a');
    ok(rt, 'b');
    expect(rt.taskState('sink')).toBe('pending');
    expect(names(fail(rt, 'c'))).toEqual(['sink']);
  });

  it('all_settled: upstream_failed when every parent failed', () => {
    const { rt } = started(diamond('all_settled'));
    fail(rt, 'a');
    fail(rt, 'b');
    fail(rt, 'c');
    expect(rt.taskState('sink')).toBe('upstream_failed');
  });

  it('N: runs at N successes, fails once N is out of reach', () => {
    const { rt } = started(diamond(2));
    ok(rt, 'a');
    expect(names(ok(rt, 'b'))).toEqual(['sink']);
    const { rt: rt2 } = started(diamond(2));
    fail(rt2, 'a');
    expect(rt2.taskState('sink')).toBe('pending');
    fail(rt2, 'b');
    expect(rt2.taskState('sink')).toBe('upstream_failed');
  });

  it('skipped parents count as satisfied', () => {
    const { rt } = started(
      def({ a: {}, gate: { deps: ['a'], condition: 'inputs.a.go == true' }, after: { deps: ['gate'] } }),
    );
    const r = ok(rt, 'a', '{"go": false}');
    expect(rt.taskState('gate')).toBe('skipped');
    expect(names(r)).toEqual(['after']);
  });

  it('upstream_failed cascades through a whole sub-tree in one step', () => {
    const { rt } = started(def({ a: {}, b: { deps: ['a'] }, c: { deps: ['b'] }, d: { deps: ['c'] } }));
    const r = fail(rt, 'a');
    expect(r.cascaded).toEqual(['b', 'c', 'd']);
    expect(rt.state).toBe('failed');
  });

  it('an any-join absorbs a failed branch and the workflow completes (all_sinks_succeed)', () => {
    const { rt } = started(def({ a: {}, b: {}, j: { deps: ['a', 'b'], dep_policy: 'any' } }));
    fail(rt, 'a');
    ok(rt, 'b');
    ok(rt, 'j');
    expect(rt.state).toBe('completed');
  });
});
