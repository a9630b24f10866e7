import { describe, expect, it } from 'vitest';
import { compileCondition, ConditionError } from '../../../src/condition/index.js';

const inputs = {
  train: {
    acc: 0.93,
    loss: 0.01,
    epochs: 10,
    ok: true,
    tags: ['gpu', 'fast'],
    meta: { stage: 'final', 'a-b': 3, nested: { x: [1, 2, 3] } },
  },
  prep: { status: 'ok', rows: 0, note: '', empty: [], none: null },
  'train/rf': { acc: 0.9 },
  'eval-1': { passed: true },
  text: 'hello world',
};

const ev = (expr: string, data: Record<string, unknown> = inputs) => compileCondition(expr).evaluate(data);

function evalError(expr: string, data: Record<string, unknown> = inputs): ConditionError {
  try {
    ev(expr, data);
  } catch (err) {
    expect(err).toBeInstanceOf(ConditionError);
    expect((err as ConditionError).kind).toBe('evaluation');
    return err as ConditionError;
  }
  throw new Error(`expected an evaluation error for ${expr}`);
}

describe('comparison operators', () => {
  it.each([
    ['inputs.train.acc > 0.9', true],
    ['inputs.train.acc > 0.95', false],
    ['inputs.train.acc >= 0.93', true],
    ['inputs.train.acc < 1', true],
    ['inputs.train.acc <= 0.92', false],
    ['inputs.train.epochs == 10', true],
    ['inputs.train.epochs == 10.0', true],
    ['inputs.train.epochs != 10', false],
    ['inputs.prep.status == "ok"', true],
    ["inputs.prep.status == 'ok'", true],
    ['inputs.prep.status != "failed"', true],
    ['inputs.prep.status < "ol"', true],
    ['inputs.prep.status > "a"', true],
    ['inputs.train.ok == true', true],
    ['inputs.train.ok == True', true],
    ['inputs.train.ok == 1', true],
    ['inputs.prep.none == null', true],
    ['inputs.prep.none == None', true],
    ['inputs.prep.missing == None', true],
    ['inputs.train.tags == ["gpu", "fast"]', true],
    ['inputs.train.tags == ["fast", "gpu"]', false],
    ['inputs.train.tags < ["gpu", "slow"]', true],
    ['inputs.train.epochs == "10"', false],
    ['inputs.train.meta == {"x": 1}', false],
  ] as const)('%s → %s', (expr, expected) => {
    if (expr.includes('{')) {
      expect(() => compileCondition(expr)).toThrow('Disallowed expression element: Dict');
      return;
    }
    expect(ev(expr)).toBe(expected);
  });

  it('chains comparisons like Python (0 < x <= 1)', () => {
    expect(ev('0 < inputs.train.acc <= 1')).toBe(true);
    expect(ev('0 < inputs.train.acc < 0.5')).toBe(false);
    expect(ev('1 < inputs.train.acc < 2')).toBe(false);
    expect(ev('0 <= inputs.prep.rows == 0 < 1')).toBe(true);
  });

  it('short-circuits a chain so later operands are not evaluated', () => {
    // The second comparison would be a TypeError (float < None) if it were evaluated.
    expect(ev('1 < inputs.train.acc < inputs.prep.none')).toBe(false);
  });

  it('allows unary minus on number literals (DECISIONS §4.4)', () => {
    expect(ev('inputs.train.loss > -1')).toBe(true);
    expect(ev('inputs.train.loss > -0.5e-1')).toBe(true);
    expect(ev('-1 < inputs.prep.rows')).toBe(true);
    expect(ev('inputs.prep.rows > --1')).toBe(false);
  });

  it('accepts number literal forms', () => {
    expect(ev('inputs.train.epochs == 0xA')).toBe(true);
    expect(ev('inputs.train.epochs == 1_0')).toBe(true);
    expect(ev('inputs.train.epochs == 1e1')).toBe(true);
    expect(ev('inputs.train.acc > .5')).toBe(true);
  });
});

describe('membership', () => {
  it('tests substrings, list items and mapping keys', () => {
    expect(ev('"world" in inputs.text')).toBe(true);
    expect(ev('"mars" not in inputs.text')).toBe(true);
    expect(ev('"gpu" in inputs.train.tags')).toBe(true);
    expect(ev('"tpu" in inputs.train.tags')).toBe(false);
    expect(ev('inputs.prep.status in ["ok", "done"]')).toBe(true);
    expect(ev('inputs.prep.status in ("ok", "done")')).toBe(true);
    expect(ev('inputs.prep.status not in ["failed"]')).toBe(true);
    expect(ev('"stage" in inputs.train.meta')).toBe(true);
    expect(ev('"final" in inputs.train.meta')).toBe(false);
    expect(ev('10 in [1, 10.0]')).toBe(true);
  });

  it('is an evaluation error on non-containers and bad operands', () => {
    expect(evalError('"x" in inputs.train.epochs').message).toBe("argument of type 'int' is not iterable");
    expect(evalError('"x" in inputs.prep.none').message).toBe("argument of type 'NoneType' is not iterable");
    expect(evalError('1 in inputs.text').message).toBe(
      "'in <string>' requires string as left operand, not int",
    );
    expect(evalError('[1] in inputs.train.meta').message).toBe("unhashable type: 'list'");
  });
});

describe('boolean operators', () => {
  it('and/or/not return booleans and follow Python truthiness', () => {
    expect(ev('inputs.train.ok and inputs.prep.status')).toBe(true);
    expect(ev('inputs.prep.rows or inputs.prep.note')).toBe(false);
    expect(ev('inputs.prep.rows or inputs.prep.empty or inputs.train.tags')).toBe(true);
    expect(ev('not inputs.prep.none')).toBe(true);
    expect(ev('not not inputs.train.tags')).toBe(true);
    expect(ev('not inputs.train.meta')).toBe(false);
    expect(ev('inputs.train.ok and not inputs.prep.rows')).toBe(true);
  });

  it('binds not > and > or, like Python', () => {
    expect(ev('true or true and false')).toBe(true);
    expect(ev('(true or true) and false')).toBe(false);
    expect(ev('not true == false')).toBe(true);
    expect(ev('inputs.train.ok and (false or inputs.train.acc > 0.9)')).toBe(true);
  });

  it('short-circuits and/or so errors on the right are not raised', () => {
    expect(ev('inputs.prep.none and inputs.prep.none < 1')).toBe(false);
    expect(ev('inputs.train.ok or inputs.prep.none < 1')).toBe(true);
  });

  it('converts a bare reference to a boolean', () => {
    expect(ev('inputs.train.ok')).toBe(true);
    expect(ev('inputs.prep.note')).toBe(false);
    expect(ev('inputs.nothing')).toBe(false);
  });
});

describe('references and lookups', () => {
  it('reads nested fields with dots and brackets', () => {
    expect(ev('inputs.train.meta.stage == "final"')).toBe(true);
    expect(ev('inputs["train/rf"].acc == 0.9')).toBe(true);
    expect(ev('inputs["eval-1"]["passed"]')).toBe(true);
    expect(ev('inputs.train.meta["a-b"] == 3')).toBe(true);
    expect(ev('inputs.train.meta.nested.x[0] == 1')).toBe(true);
    expect(ev('inputs.train.meta.nested.x[-1] == 3')).toBe(true);
    expect(ev('inputs.train.tags[1] == "fast"')).toBe(true);
    expect(ev('inputs.text[0] == "h"')).toBe(true);
    expect(ev("inputs['train']['meta'][\"stage\"] == 'final'")).toBe(true);
  });

  it('yields null for missing keys and lookups on null', () => {
    expect(ev('inputs.missing.deeper.still == null')).toBe(true);
    expect(ev('inputs.prep.none["x"][0] == null')).toBe(true);
    expect(ev('inputs.text.upper == null')).toBe(true);
    expect(ev('inputs.train.tags.length == null')).toBe(true);
  });

  it('reports bad indexing as an evaluation error', () => {
    expect(evalError('inputs.train.tags[5] == 1').message).toBe('list index out of range');
    expect(evalError('inputs.train.tags["a"] == 1').message).toBe(
      'list indices must be integers or slices, not str',
    );
    expect(evalError('inputs.train.epochs[0] == 1').message).toBe("'int' object is not subscriptable");
    expect(evalError('inputs.train.acc[0] == 1').message).toBe("'float' object is not subscriptable");
  });

  it('reports mixed-type ordering like Python TypeError', () => {
    expect(evalError('inputs.prep.none < 0.1').message).toBe(
      "'<' not supported between instances of 'NoneType' and 'float'",
    );
    expect(evalError('inputs.prep.status >= 1').message).toBe(
      "'>=' not supported between instances of 'str' and 'int'",
    );
    expect(evalError('inputs.train.meta > inputs.train.meta').message).toBe(
      "'>' not supported between instances of 'dict' and 'dict'",
    );
  });

  it('accepts strings with escapes, raw strings and adjacent literals', () => {
    expect(ev('"a\\tb" == "a\tb"', {})).toBe(true);
    expect(ev("'it\\'s' == \"it's\"", {})).toBe(true);
    expect(ev('r"a\\d" == "a\\\\d"', {})).toBe(true);
    expect(ev('"ab" "cd" == "abcd"', {})).toBe(true);
    expect(ev('"\\u00e9" == "é"', {})).toBe(true);
  });
});

describe('aggregates and globs', () => {
  const runs = {
    'train-a': { loss: 0.005, converged: true, passed: true },
    'train-b': { loss: 0.02, converged: false, passed: true },
    'train-c': { loss: 0.001, converged: true, passed: false },
    prep: { status: 'ok' },
  };

  it('all/any/count/almost_all over a glob subscript', () => {
    expect(ev('all(inputs["train-*"].loss < 0.05)', runs)).toBe(true);
    expect(ev('all(inputs["train-*"].loss < 0.01)', runs)).toBe(false);
    expect(ev('any(inputs["train-*"].converged)', runs)).toBe(true);
    expect(ev('any(inputs["train-*"].loss > 1)', runs)).toBe(false);
    expect(ev('count(inputs["train-*"].passed) >= 2', runs)).toBe(true);
    expect(ev('count(inputs["train-*"].passed) == 2', runs)).toBe(true);
    expect(ev('almost_all(inputs["train-*"].loss < 0.01, 1)', runs)).toBe(true);
    expect(ev('almost_all(inputs["train-*"].loss < 0.002, 1)', runs)).toBe(false);
  });

  it('supports the inputs.* shorthand, ? and [...] classes', () => {
    expect(ev('all(inputs.*.status == "ok" or inputs.*.loss < 1)', runs)).toBe(true);
    expect(ev('count(inputs["train-?"].converged) == 2', runs)).toBe(true);
    expect(ev('count(inputs["train-[ab]"].passed) == 2', runs)).toBe(true);
    expect(ev('count(inputs["train-[!ab]"].passed) == 0', runs)).toBe(true);
    expect(ev('count(inputs["train-[a-b]"].loss > 0) == 2', runs)).toBe(true);
  });

  it('has the documented results for zero matches', () => {
    expect(ev('all(inputs["nope-*"].ok)', runs)).toBe(true);
    expect(ev('any(inputs["nope-*"].ok)', runs)).toBe(false);
    expect(ev('count(inputs["nope-*"].ok) == 0', runs)).toBe(true);
    expect(ev('almost_all(inputs["nope-*"].ok, 0)', runs)).toBe(true);
  });

  it('matches "/" with * so prefix groups work', () => {
    const grouped = { 'train/rf': { ok: true }, 'train/gbm': { ok: true }, 'prep/clean': { ok: false } };
    expect(ev('all(inputs["train/*"].ok)', grouped)).toBe(true);
    expect(ev('all(inputs.*.ok)', grouped)).toBe(false);
  });

  it('combines aggregates with explicit references', () => {
    expect(ev('all(inputs["train-*"].loss < 0.05) and inputs.prep.status == "ok"', runs)).toBe(true);
  });

  it('reports a bad max_failures as an evaluation error', () => {
    expect(evalError('almost_all(inputs["train-*"].passed, "x")', runs).message).toContain(
      'max_failures must be a number',
    );
  });

  it('propagates evaluation errors from inside an aggregate', () => {
    expect(evalError('all(inputs["train-*"].missing < 1)', runs).message).toContain("'<' not supported");
  });
});

describe('compiled conditions', () => {
  it('expose source, references and glob flag', () => {
    const c = compileCondition('inputs.a.x > 1 and inputs["b/c"].y and all(inputs["t-*"].ok)');
    expect(c.source).toBe('inputs.a.x > 1 and inputs["b/c"].y and all(inputs["t-*"].ok)');
    expect(c.references).toEqual(['a', 'b/c']);
    expect(c.hasGlob).toBe(true);
  });

  it('evaluate many inputs with one compilation', () => {
    const c = compileCondition('inputs.t.v == 0 or inputs.t.v > 5');
    const results = Array.from({ length: 10 }, (_, v) => c.evaluate({ t: { v } }));
    expect(results).toEqual([true, false, false, false, false, false, true, true, true, true]);
  });
});
