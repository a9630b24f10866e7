import { describe, expect, it } from 'vitest';
import {
  formatElapsed,
  formatEta,
  formatRate,
  rateAndEta,
  truncate,
} from '../../../src/cli/render/format.js';
import { donePercent, stateBar } from '../../../src/cli/render/progress.js';
import { makeColors } from '../../../src/cli/render/colors.js';

describe('ETA and rate formatting', () => {
  it('formats seconds, minutes and hours like the reference', () => {
    expect(formatEta(42.4)).toBe('eta 42s');
    expect(formatEta(90)).toBe('eta 1.5m');
    expect(formatEta(5400)).toBe('eta 1.5h');
  });

  it('omits the ETA when there is no estimate', () => {
    expect(formatEta(null)).toBeNull();
    expect(formatEta(0)).toBeNull();
    expect(formatEta(Number.POSITIVE_INFINITY)).toBeNull();
  });

  it('computes rate since the watch started and ETA over tasks still to run', () => {
    expect(rateAndEta(10, 30, 10, 40)).toEqual({ rate: 2, etaS: 20 });
    expect(rateAndEta(10, 10, 10, 40)).toEqual({ rate: 0, etaS: null });
    expect(rateAndEta(0, 5, 0, 5).rate).toBe(0);
    expect(rateAndEta(0, 5, 1, 0).etaS).toBeNull();
  });

  it('formats rates and elapsed time', () => {
    expect(formatRate(2.345)).toBe('2.3 completions/s');
    expect(formatRate(512.7)).toBe('513 completions/s');
    expect(formatElapsed(5)).toBe('5s');
    expect(formatElapsed(65)).toBe('1m 05s');
    expect(formatElapsed(3720)).toBe('1h 02m');
  });

  it('truncates to the width with an ellipsis', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('a'.repeat(50), 38)).toBe(`${'a'.repeat(37)}…`);
  });
});

describe('progress bar', () => {
  const c = makeColors(false);
  it('is always exactly the requested width', () => {
    for (const counts of [
      { total: 3, completed: 1, failed: 1, running: 1, skipped: 0 },
      { total: 7, completed: 2, failed: 0, running: 3, skipped: 1 },
      { total: 0, completed: 0, failed: 0, running: 0, skipped: 0 },
      { total: 1000, completed: 999, failed: 1, running: 0, skipped: 0 },
    ]) {
      expect([...stateBar(counts, 50, c)]).toHaveLength(50);
    }
  });

  it('fills completed first and pending last', () => {
    const bar = stateBar({ total: 4, completed: 2, failed: 0, running: 1, skipped: 0 }, 8, c);
    expect(bar).toBe('████▒▒░░');
  });

  it('counts completed, failed and skipped as done', () => {
    expect(donePercent({ total: 4, completed: 1, failed: 1, running: 1, skipped: 1 })).toBe('75%');
  });
});
