import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeDoc, encodeDoc, isGzip } from '../../../src/wire/blob-codec.js';
import { DEF_KEYS, STATE_KEYS, STATE_TASK_KEYS } from '../../support/reference-doc-keys.js';

const fixture = (n: string) => readFileSync(new URL(`../../fixtures/blobs/${n}`, import.meta.url));
const expected = JSON.parse(fixture('reference-expected.json').toString('utf8'));

describe('blob codec', () => {
  it('writes gzip (magic 1f 8b, level 1 header flag) of UTF-8 JSON', () => {
    const bytes = encodeDoc({ a: 'é', n: [1, 2] });
    expect(isGzip(bytes)).toBe(true);
    // XFL byte 8 = 4 means "fastest algorithm" (level 1).
    expect(bytes[8]).toBe(4);
    expect(JSON.parse(gunzipSync(bytes).toString('utf8'))).toEqual({ a: 'é', n: [1, 2] });
  });

  it('decodes gzip and plain JSON alike', () => {
    const doc = { v: 1, tasks: { 'a/b': { state: 'running' } } };
    expect(decodeDoc(encodeDoc(doc))).toEqual(doc);
    expect(decodeDoc(gzipSync(JSON.stringify(doc), { level: 9 }))).toEqual(doc);
    expect(decodeDoc(Buffer.from(JSON.stringify(doc)))).toEqual(doc);
  });

  it('decodes the reference-written golden definition and state blobs', () => {
    expect(decodeDoc(fixture('reference.def.bin'))).toEqual(expected.definition);
    expect(decodeDoc(fixture('reference.state.bin'))).toEqual(expected.state);
  });

  it('what jobq writes has only keys the reference reads', () => {
    const def = decodeDoc(encodeDoc(expected.definition)) as Record<string, unknown>;
    const state = decodeDoc(encodeDoc(expected.state)) as { tasks: Record<string, object> };
    expect(Object.keys(def).sort()).toEqual([...DEF_KEYS].sort());
    expect(Object.keys(state).sort()).toEqual([...STATE_KEYS].sort());
    for (const t of Object.values(state.tasks))
      for (const k of Object.keys(t)) expect(STATE_TASK_KEYS).toContain(k);
  });

  it('gives a clear error for garbage and for corrupt gzip', () => {
    expect(() => decodeDoc(Buffer.from('not json at all'), 'state blob of x')).toThrow(
      /state blob of x is neither gzip nor JSON \(starts with 'not json at all'\)/,
    );
    const gz = encodeDoc({ a: 1 });
    expect(() => decodeDoc(gz.subarray(0, gz.length - 6))).toThrow(/not valid gzip/);
  });
});
