import { describe, expect, it } from 'vitest';
import { IdleBackoff } from '../../../src/adapters/idle-backoff.js';

describe('idle back-off for empty-queue polling', () => {
  it('doubles from the initial wait up to the cap', () => {
    const b = new IdleBackoff({ initialMs: 500, maxMs: 5_000 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([
      500, 1000, 2000, 4000, 5000, 5000,
    ]);
  });

  it('reset starts again from the initial wait', () => {
    const b = new IdleBackoff({ initialMs: 100, maxMs: 1_000, factor: 3 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(100);
    expect(b.next()).toBe(300);
  });

  it('jitter only ever shortens the wait, within the given fraction', () => {
    const b = new IdleBackoff({ initialMs: 1_000, maxMs: 1_000, jitter: 0.25 });
    for (let i = 0; i < 200; i++) {
      const w = b.next();
      expect(w).toBeGreaterThanOrEqual(750);
      expect(w).toBeLessThanOrEqual(1_000);
    }
  });

  it('an idle hour at a 30 s cap costs about 130 polls, not 7,200', () => {
    const b = new IdleBackoff({ initialMs: 500, maxMs: 30_000 });
    let t = 0;
    let polls = 0;
    while (t < 3_600_000) {
      t += b.next();
      polls++;
    }
    expect(polls).toBeLessThan(130);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new IdleBackoff({ initialMs: -1, maxMs: 10 })).toThrow(RangeError);
    expect(() => new IdleBackoff({ initialMs: 1, maxMs: 10, factor: 0.5 })).toThrow(RangeError);
  });
});
