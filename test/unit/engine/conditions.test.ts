import { describe, expect, it } from 'vitest';
import type { OutputResolver } from '../../../src/engine/index.js';
import { T0, def, names, ok, started } from './helpers.js';

describe('condition gates (reference §3.2/§3.6, DECISIONS §4.4)', () => {
  const gated = (condition: string) => def({ a: {}, b: { deps: ['a'], condition }, c: { deps: ['b'] } });

  it('true: the candidate becomes ready and is dispatched in the same step', () => {
    const { rt } = started(gated('inputs.a.loss < 0.5'));
    expect(names(ok(rt, 'a', '{"loss": 0.1}'))).toEqual(['b']);
  });

  it('false: skipped with reason, and the skip cascades as success to dispatch the grandchild', () => {
    const { rt } = started(gated('inputs.a.loss < 0.5'));
    const r = ok(rt, 'a', '{"loss": 0.9}');
    expect(rt.taskState('b')).toBe('skipped');
    expect(rt.taskStatus('b').error).toBe('condition false');
    expect(names(r)).toEqual(['c']);
    expect(r.cascaded).toEqual(['b']);
  });

  it('an evaluation error skips with "condition error: <message>" and is counted', () => {
    const { rt } = started(gated('inputs.a.loss < 0.5'));
    const r = ok(rt, 'a', '{"loss": null}');
    expect(rt.taskState('b')).toBe('skipped');
    expect(rt.taskStatus('b').error).toMatch(/^condition error: .+/);
    expect(r.conditionErrors).toBe(1);
    expect(names(r)).toEqual(['c']);
  });

  it('an output that is not JSON is passed as the raw string', () => {
    const { rt } = started(gated('inputs.a == "done"'));
    expect(names(ok(rt, 'a', 'done'))).toEqual(['b']);
  });

  it('evaluates candidates transitively through skip cascades (no stranded grandchildren)', () => {
    const { rt } = started(
      def({
        a: {},
        b: { deps: ['a'], condition: 'inputs.a.go' },
        c: { deps: ['b'], condition: 'inputs.b == null' },
        d: { deps: ['c'] },
      }),
    );
    const r = ok(rt, 'a', '{"go": false}');
    expect(rt.taskState('b')).toBe('skipped');
    expect(names(r)).toEqual(['c']);
  });

  it('a blob-stored parent output is requested, then evaluated once fetched', () => {
    const { rt } = started(gated('inputs.a.ok'));
    const ref = 'blob:wf1/a.json';
    const r = ok(rt, 'a', ref);
    expect(r.needOutputs).toEqual([ref]);
    expect(rt.taskState('b')).toBe('pending');
    const resolve: OutputResolver = (x) => (x === ref ? { ok: true, value: { ok: true } } : { ok: false });
    const r2 = rt.evaluatePendingConditions(T0 + 2000, resolve);
    expect(names(r2)).toEqual(['b']);
    expect(r2.needOutputs).toEqual([]);
  });

  it('a resolver that already has the value lets the condition run in the completion step', () => {
    const { rt } = started(gated('inputs.a.ok'));
    const r = rt.applyCompletion(
      { task: 'a', success: true, outputRef: 'blob:wf1/a.json', error: null, attemptNo: 1 },
      T0,
      () => ({ ok: true, value: { ok: false } }),
    );
    expect(rt.taskState('b')).toBe('skipped');
    expect(names(r)).toEqual(['c']);
  });

  it('failed parents are null inputs under an any-join', () => {
    const { rt } = started(
      def({
        a: {},
        b: {},
        j: { deps: ['a', 'b'], dep_policy: 'all_settled', condition: 'inputs.a == null' },
      }),
    );
    rt.applyCompletion({ task: 'a', success: false, outputRef: null, error: 'x', attemptNo: 1 }, T0);
    expect(names(ok(rt, 'b', '1'))).toEqual(['j']);
  });

  it('glob aggregates see every direct parent', () => {
    const { rt } = started(
      def({ w1: {}, w2: {}, s: { deps: ['w1', 'w2'], condition: 'all(inputs["w*"].loss < 0.5)' } }),
    );
    ok(rt, 'w1', '{"loss": 0.1}');
    ok(rt, 'w2', '{"loss": 0.7}');
    expect(rt.taskState('s')).toBe('skipped');
  });

  it('an expression that does not compile (e.g. from an old stored definition) skips with a condition error', () => {
    const { rt } = started(gated('inputs.a.x +'));
    const r = ok(rt, 'a', '{"x": 1}');
    expect(rt.taskStatus('b').error).toMatch(/^condition error: Condition syntax error/);
    expect(r.conditionErrors).toBe(1);
    expect(names(r)).toEqual(['c']);
  });
});
