import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCompactRefs, encodeCompactRefs } from '../../../src/wire/compact-refs.js';

const WF = 'wf-1';
const canon = (p: string) => `blob:${WF}/${p}.json`;

describe('compact upstream refs (reference §4.7)', () => {
  it('puts canonical blob refs in s, other refs in i, null refs in n', () => {
    const refs: [string, string | null][] = [
      ['canonical', canon('canonical')],
      ['inline', '"hello"'],
      ['other-blob', 'blob:other-workflow/X.json'],
      ['void', null],
    ];
    expect(encodeCompactRefs(WF, refs)).toEqual({
      s: ['canonical'],
      i: { inline: '"hello"', 'other-blob': 'blob:other-workflow/X.json' },
      n: ['void'],
    });
  });

  it('omits empty sections and returns null when there is nothing to encode', () => {
    expect(encodeCompactRefs(WF, [])).toBeNull();
    expect(encodeCompactRefs(WF, [['A', canon('A')]])).toEqual({ s: ['A'] });
    expect(encodeCompactRefs(WF, [['A', null]])).toEqual({ n: ['A'] });
  });

  it('a canonical ref of another workflow is not compacted', () => {
    expect(encodeCompactRefs(WF, [['A', 'blob:wf-2/A.json']])).toEqual({ i: { A: 'blob:wf-2/A.json' } });
  });

  it('decodes what it encodes, for any names and refs', () => {
    const name = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '__proto__');
    const ref = fc.oneof(
      fc.constant(null),
      fc.string(),
      name.map((n) => `blob:${WF}/${n}.json`),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, ref), { selector: (t) => t[0], maxLength: 30 }), (pairs) => {
        const compact = encodeCompactRefs(WF, pairs);
        expect(decodeCompactRefs(WF, compact)).toEqual(Object.fromEntries(pairs));
      }),
    );
  });

  it('decoding ignores malformed sections instead of throwing', () => {
    expect(decodeCompactRefs(WF, { s: 'x', i: [1], n: [3, 'ok'] })).toEqual({ ok: null });
    expect(decodeCompactRefs(WF, null)).toEqual({});
    expect(decodeCompactRefs(WF, { i: { a: 1, b: 'x' } })).toEqual({ b: 'x' });
  });
});
