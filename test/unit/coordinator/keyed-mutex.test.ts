import { describe, expect, it } from 'vitest';
import { KeyedMutex, forEachLimit } from '../../../src/coordinator/concurrency.js';
import { SkipCache } from '../../../src/coordinator/sweeper.js';

describe('per-workflow serialization', () => {
  it('runs operations on one key in order, one at a time, and other keys concurrently', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const op = (key: string, tag: string, ms: number) =>
      m.run(key, async () => {
        log.push(`${tag}+`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${tag}-`);
      });
    await Promise.all([op('a', 'a1', 20), op('a', 'a2', 1), op('b', 'b1', 1)]);
    expect(log.indexOf('a1-')).toBeLessThan(log.indexOf('a2+'));
    expect(log.indexOf('b1-')).toBeLessThan(log.indexOf('a1-'));
    expect(m.busy('a')).toBe(false);
  });

  it('keeps going after a failed operation', async () => {
    const m = new KeyedMutex();
    await expect(m.run('k', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(m.run('k', () => 42)).resolves.toBe(42);
  });

  it('forEachLimit never exceeds its limit and reports the first error after all settle', async () => {
    let active = 0;
    let peak = 0;
    let done = 0;
    const err = await forEachLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 2));
      active--;
      done++;
      if (n === 3) throw new Error('three');
    }).catch((e: Error) => e);
    expect(peak).toBe(2);
    expect(done).toBe(6);
    expect(err?.message).toBe('three');
  });
});

describe('sweep skip cache', () => {
  it('skips an unchanged workflow until its due time, and revisits after any change', () => {
    const c = new SkipCache();
    c.remember('w', 'etag1|t1', 1_000);
    expect(c.fresh('w', 'etag1|t1', 500)).toBe(true);
    expect(c.fresh('w', 'etag1|t1', 1_000)).toBe(false);
    expect(c.fresh('w', 'etag2|t1', 500)).toBe(false);
    c.remember('w', 'etag2|t1', Infinity);
    expect(c.fresh('w', 'etag2|t1', Number.MAX_SAFE_INTEGER)).toBe(true);
  });
});
