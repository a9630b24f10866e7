/** Property tests: random text and random ASTs never escape as anything but ConditionError, never hang, never touch JS internals. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileCondition, ConditionError } from '../../../src/condition/index.js';

const TOKENS = [
  'inputs',
  '.',
  '[',
  ']',
  '(',
  ')',
  '"a"',
  "'b'",
  '"*"',
  '"t-*"',
  'a',
  'b',
  'x',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'length',
  '1',
  '-1',
  '0.5',
  '-',
  '+',
  '*',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'in',
  'not',
  'and',
  'or',
  'is',
  'True',
  'None',
  'null',
  'all',
  'any',
  'count',
  'almost_all',
  ',',
  ':',
  'lambda',
  'if',
  'else',
  'for',
  '{',
  '}',
  '"',
];

const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((ts) => ts.join(' '));

const jsonValue = fc.jsonValue({ maxDepth: 4 });
const inputsArb = fc.dictionary(
  fc.constantFrom('a', 'b', 't-1', 't-2', '__proto__', 'constructor'),
  jsonValue,
  { maxKeys: 5 },
);

function onlyConditionErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ConditionError)) throw err;
  }
}

describe('condition language under hostile input', () => {
  it('compiling arbitrary strings throws nothing but ConditionError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => onlyConditionErrors(() => compileCondition(s))),
      { numRuns: 3000 },
    );
  });

  it('compiling and evaluating token soup throws nothing but ConditionError', () => {
    fc.assert(
      fc.property(tokenSoup, inputsArb, (expr, inputs) => {
        onlyConditionErrors(() => compileCondition(expr).evaluate(inputs));
      }),
      { numRuns: 5000 },
    );
  });

  const leaf = fc.oneof(
    fc.constantFrom(
      'inputs.a',
      'inputs.b.x',
      'inputs["t-1"].v',
      'inputs["*"].ok',
      'inputs.__proto__',
      'inputs.constructor',
    ),
    fc.constantFrom(
      'inputs.a.constructor',
      'inputs.a.__proto__.polluted',
      'inputs["__proto__"]["x"]',
      'inputs.a[0]',
      'inputs.a[-1]',
    ),
    fc.integer({ min: -5, max: 5 }).map(String),
    fc.constantFrom('"s"', 'None', 'true', '[1, "a", None]', '0.5'),
  );
  const expr = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc
        .tuple(tie('e'), fc.constantFrom('==', '!=', '<', '<=', '>', '>=', 'in', 'not in'), tie('e'))
        .map(([a, op, b]) => `(${a} ${op} ${b})`),
      fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
      tie('e').map((a) => `(not ${a})`),
      fc
        .tuple(fc.constantFrom('all', 'any', 'count'), tie('e'))
        .map(([f, a]) => `${f}(inputs["t-*"].v == ${a})`),
      tie('e').map((a) => `almost_all(inputs["*"].ok or ${a}, 1)`),
    ),
  })).e;

  it('random well-formed ASTs compile and evaluate to a boolean or a ConditionError', () => {
    fc.assert(
      fc.property(expr, inputsArb, (e, inputs) => {
        let compiled;
        try {
          compiled = compileCondition(e);
        } catch (err) {
          expect(err).toBeInstanceOf(ConditionError);
          return;
        }
        try {
          expect(typeof compiled.evaluate(inputs)).toBe('boolean');
        } catch (err) {
          expect(err).toBeInstanceOf(ConditionError);
          expect((err as ConditionError).kind).toBe('evaluation');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('finishes a long expression quickly (no backtracking blow-up)', () => {
    const long = Array.from({ length: 2000 }, (_, i) => `inputs.a.v${i} == ${i}`).join(' or ');
    const started = Date.now();
    expect(compileCondition(long).evaluate({ a: { v1999: 1999 } })).toBe(true);
    // Generous bound: linear work is milliseconds; a quadratic parser would take far longer.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('prototype safety', () => {
  it('never reads Object.prototype members through lookups', () => {
    const c = (e: string) => compileCondition(e).evaluate({ a: { x: 1 } });
    expect(c('inputs.a.constructor == None')).toBe(true);
    expect(c('inputs.a.__proto__ == None')).toBe(true);
    expect(c('inputs.constructor == None')).toBe(true);
    expect(c('inputs["toString"] == None')).toBe(true);
    expect(c('inputs.a["hasOwnProperty"] == None')).toBe(true);
    expect(c('"constructor" in inputs.a')).toBe(false);
    expect(c('"__proto__" in inputs')).toBe(false);
  });

  it('sees own "__proto__" keys from JSON data as plain data', () => {
    const data = JSON.parse('{"a": {"__proto__": {"polluted": 1}}}') as Record<string, unknown>;
    expect(compileCondition('inputs.a.__proto__.polluted == 1').evaluate(data)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not pollute prototypes whatever is evaluated', () => {
    fc.assert(
      fc.property(tokenSoup, inputsArb, (e, inputs) => {
        onlyConditionErrors(() => compileCondition(e).evaluate(inputs));
        expect(Object.keys(Object.prototype)).toEqual([]);
        expect(Object.keys(Array.prototype)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('treats class instances and functions as opaque (null on lookup)', () => {
    const inputs = { a: new Date(0), f: () => 1, m: new Map([['x', 1]]) } as Record<string, unknown>;
    const c = (e: string) => compileCondition(e).evaluate(inputs);
    expect(c('inputs.a.getTime == None')).toBe(true);
    expect(c('inputs.f.call == None')).toBe(true);
    expect(c('inputs.m.x == None')).toBe(true);
  });
});
