import { describe, expect, it } from 'vitest';
import { compileCondition, ConditionError, validateCondition } from '../../../src/condition/index.js';

function compileFailure(expr: string): ConditionError {
  try {
    compileCondition(expr);
  } catch (err) {
    expect(err).toBeInstanceOf(ConditionError);
    return err as ConditionError;
  }
  throw new Error(`expected ${expr} to be rejected`);
}

describe('allow-list (reference §3.3)', () => {
  it.each([
    ['inputs.a.x + 1 > 2', 'BinOp'],
    ['inputs.a.x * 2 > 2', 'BinOp'],
    ['inputs.a.x ** 2 > 2', 'BinOp'],
    ['inputs.a.x // 2 > 2', 'BinOp'],
    ['inputs.a.x % 2 == 0', 'BinOp'],
    ['inputs.a.x | 1', 'BinOp'],
    ['-inputs.a.x < 0', 'UnaryOp'],
    ['+1 < inputs.a.x', 'UnaryOp'],
    ['~1 < inputs.a.x', 'UnaryOp'],
    ['lambda: inputs.a.x', 'Lambda'],
    ['[x for x in inputs.a.y]', 'ListComp'],
    ['any(x for x in inputs.a)', 'GeneratorExp'],
    ['inputs.a.x if inputs.a.y else 1', 'IfExp'],
    ['{"k": inputs.a.x}', 'Dict'],
    ['{inputs.a.x}', 'Set'],
    ['f"{inputs.a.x}" == "1"', 'JoinedStr'],
    ['inputs.a.x[1:2]', 'Slice'],
    ['inputs.a.x is None', 'Is'],
    ['inputs.a.x is not None', 'IsNot'],
    ['all(inputs["*"].ok, key=1)', 'keyword'],
  ])('%s → Disallowed expression element: %s', (expr, node) => {
    const err = compileFailure(expr);
    expect(err.kind).toBe('validation');
    expect(err.message).toBe(`Disallowed expression element: ${node}`);
  });

  it.each(['x', 'os', '__import__', 'constructor', '__proto__', 'prototype', 'globalThis', 'this'])(
    'rejects the bare name %s',
    (name) => {
      const err = compileFailure(`${name} == 1 and inputs.a.x`);
      expect(err.kind).toBe('validation');
      expect(err.message).toBe(`Unknown variable: '${name}'`);
    },
  );

  it.each(['len(inputs.a)', 'inputs.a.x.startswith("a")', 'print(inputs.a)', 'inputs.a.get("x")'])(
    'rejects the call %s',
    (expr) => {
      const err = compileFailure(expr);
      expect(err.message).toBe("Only aggregate functions are allowed: ['all', 'almost_all', 'any', 'count']");
    },
  );

  it('requires almost_all to have max_failures', () => {
    expect(compileFailure('almost_all(inputs["w-*"].loss < 0.1)').message).toBe(
      'almost_all() requires a second argument: max_failures',
    );
  });

  it('requires aggregates to have a glob pattern', () => {
    expect(compileFailure('all(inputs.a.ok)').message).toBe('all() requires a glob pattern like inputs["*"]');
    expect(compileFailure('count(inputs["a"].ok) > 1').message).toBe(
      'count() requires a glob pattern like inputs["*"]',
    );
  });

  it('accepts a parenthesised aggregate name, as Python does', () => {
    expect(compileCondition('(all)(inputs["*"].ok)').evaluate({ a: { ok: true } })).toBe(true);
  });

  it('rejects wrong aggregate arity and uncalled aggregates', () => {
    expect(compileFailure('any()').message).toBe('any() takes exactly one argument (0 given)');
    expect(compileFailure('all == 1').message).toContain("'all' is an aggregate function");
  });

  it.each([
    ['inputs.a.x >', 'unexpected end of expression'],
    ['inputs.a.x > > 1', 'unexpected ">" at column 14'],
    ['(inputs.a.x > 1', "expected ')'"],
    ['inputs.a.x = 1', 'unexpected "=" at column 12'],
    ['inputs.a.x > "unterminated', 'unterminated string literal'],
    ['inputs.a.x > 1 $', 'invalid character "$"'],
    ['inputs.a.x > 01', 'leading zeros'],
    ['inputs.a.x > 1abc', 'invalid number literal'],
    ['inputs.a.', 'expected an attribute name'],
    ['inputs.a.and', 'expected an attribute name'],
    ['', 'empty expression'],
    ['   ', 'empty expression'],
    ['inputs[]', 'slices are not supported'],
  ])('syntax error for %j mentions %s', (expr, detail) => {
    const err = compileFailure(expr);
    expect(err.kind).toBe('syntax');
    expect(err.message.startsWith('Condition syntax error: ')).toBe(true);
    expect(err.message).toContain(detail);
  });

  it('refuses absurd nesting with a syntax error instead of a stack overflow', () => {
    const err = compileFailure('('.repeat(5000) + 'inputs.a' + ')'.repeat(5000));
    expect(err.kind).toBe('syntax');
    expect(err.message).toContain('nested more than');
    expect(compileFailure('not '.repeat(5000) + 'inputs.a').kind).toBe('syntax');
  });
});

describe('validateCondition (reference §3.5)', () => {
  it('accepts references to dependencies, by dot or bracket, and globs', () => {
    expect(() => validateCondition('inputs.a.x > 1', ['a'])).not.toThrow();
    expect(() => validateCondition('inputs["train/rf"].acc > 0.9', ['train/rf'])).not.toThrow();
    expect(() => validateCondition('all(inputs.*.ok)', ['a', 'b'])).not.toThrow();
    expect(() => validateCondition('any(inputs["train-*"].converged)', ['train-1'])).not.toThrow();
  });

  it('names every reference that is not a dependency, sorted', () => {
    expect(() => validateCondition('inputs.zeta.x and inputs["alpha"].y and inputs.a.z', ['a'])).toThrow(
      "Condition references tasks not in depends_on: ['alpha', 'zeta']",
    );
  });

  it('requires at least one input reference', () => {
    expect(() => validateCondition('true', ['a'])).toThrow(
      'Condition must reference at least one input (inputs.task_name.field)',
    );
    expect(() => validateCondition('1 < 2', ['a'])).toThrow('Condition must reference at least one input');
  });

  it('raises ConditionError of kind validation', () => {
    try {
      validateCondition('inputs.b.x', ['a']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConditionError);
      expect((err as ConditionError).kind).toBe('validation');
    }
  });

  it('rewrites inputs.* textually, as the reference does', () => {
    const c = compileCondition('count(inputs.*.ok) >= 1');
    expect(c.hasGlob).toBe(true);
    expect(c.references).toEqual([]);
  });
});
