/** Cache keys of memoized tasks (pure): what changes a key and what does not. */
import { describe, expect, it } from 'vitest';
import { cacheKey, renderCacheKey, withinTtl } from '../../../src/coordinator/cache-key.js';

const spec = (over: Partial<{ key: string | null; ttl_s: number | null; version: string | null }> = {}) => ({
  key: null,
  ttl_s: null,
  version: null,
  ...over,
});

describe('cacheKey', () => {
  const k = (kw: string, inputs: Record<string, unknown>, s = spec(), task = 't') =>
    cacheKey(s, task, kw, inputs);

  it('is 64 hex chars, independent of key order in kwargs and outputs', () => {
    const a = k('{"cmd":"x","env":{"A":"1","B":"2"}}', { p: { x: 1, y: [1, 2] } });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(k('{"env":{"B":"2","A":"1"},"cmd":"x"}', { p: { y: [1, 2], x: 1 } })).toBe(a);
  });

  it('changes with kwargs, with any parent output content, and with the version', () => {
    const a = k('{"cmd":"x"}', { p: 1 });
    expect(k('{"cmd":"y"}', { p: 1 })).not.toBe(a);
    expect(k('{"cmd":"x"}', { p: 2 })).not.toBe(a);
    expect(k('{"cmd":"x"}', { p: 1 }, spec({ version: 'v2' }))).not.toBe(a);
  });

  it('changes with the task name: shards of one fan-out with identical kwargs never share a result', () => {
    const cmd = '{"cmd":"python shard.py --shard ${JOBQ_WORKFLOW_TASK##*_}"}';
    expect(k(cmd, { root: 1 }, spec(), 'leaf_1')).not.toBe(k(cmd, { root: 1 }, spec(), 'leaf_2'));
  });

  it('an explicit key uses only its rendered text (and the version)', () => {
    const s = spec({ key: 'model-{inputs.train.sha}' });
    const a = k('{"cmd":"x"}', { train: { sha: 'abc', other: 1 } }, s);
    expect(k('{"cmd":"changed"}', { train: { sha: 'abc', other: 2 } }, s)).toBe(a);
    expect(k('{"cmd":"x"}', { train: { sha: 'def' } }, s)).not.toBe(a);
    // The template is the whole identity: two tasks with one template share their result.
    expect(k('{"cmd":"x"}', { train: { sha: 'abc' } }, s, 'other-task')).toBe(a);
    expect(renderCacheKey('m-{inputs.t.sha}-{inputs.t.n}', { t: { sha: 'abc', n: [1] } })).toBe('m-abc-[1]');
  });
});

describe('withinTtl', () => {
  it('no TTL never expires; a TTL counts from created_at', () => {
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    expect(withinTtl(spec(), '2020-01-01T00:00:00Z', t0)).toBe(true);
    expect(withinTtl(spec({ ttl_s: 60 }), '2026-12-01T00:00:00Z', t0 + 59_000)).toBe(true);
    expect(withinTtl(spec({ ttl_s: 60 }), '2026-12-01T00:00:00Z', t0 + 60_000)).toBe(false);
  });
});
