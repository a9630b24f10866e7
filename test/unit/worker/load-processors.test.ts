import { describe, expect, it } from 'vitest';
import { failBucket, simulatedFailure, sleepSeconds } from '../../../src/worker/load-processors.js';

describe('load-test processors: deterministic fail_threshold', () => {
  it('maps a task name to the same bucket every time, within 0..99', () => {
    for (const name of ['a', 'leaf-17', 'ünïcode', '']) {
      const b = failBucket(name);
      expect(b).toBe(failBucket(name));
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(100);
    }
  });

  it('fails exactly the tasks whose bucket is below the threshold', () => {
    const names = Array.from({ length: 2000 }, (_, i) => `leaf-${i}`);
    const failed = names.filter((n) => simulatedFailure(n, { fail_threshold: 30 }) !== null);
    expect(failed.every((n) => failBucket(n) < 30)).toBe(true);
    // A usable hash spreads names: about 30 % fail (wide bounds, deterministic input).
    expect(failed.length).toBeGreaterThan(2000 * 0.25);
    expect(failed.length).toBeLessThan(2000 * 0.35);
  });

  it('never fails at 0 or without the kwarg, always fails at 100', () => {
    expect(simulatedFailure('x', {})).toBeNull();
    expect(simulatedFailure('x', { fail_threshold: 0 })).toBeNull();
    expect(simulatedFailure('x', { fail_threshold: 100 })).toMatch(
      /simulated failure \(fail_threshold=100\)/,
    );
    expect(simulatedFailure('x', { fail_threshold: '100' })).not.toBeNull();
  });

  it('reads sleep_s as seconds, defaulting to 0 and ignoring junk', () => {
    expect(sleepSeconds({ sleep_s: 1.5 })).toBe(1.5);
    expect(sleepSeconds({})).toBe(0);
    expect(sleepSeconds({ sleep_s: 'abc' })).toBe(0);
    expect(sleepSeconds({ sleep_s: -3 })).toBe(0);
  });
});
