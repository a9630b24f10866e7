import { describe, expect, it } from 'vitest';
import { StatsLine, emptyStats, finalStatsLine } from '../../../src/coordinator/stats.js';

describe('stats line (reference §5.11/§5.12)', () => {
  it('shows totals, the delta and its rate since the last line', () => {
    const line = new StatsLine(0);
    const s = {
      ...emptyStats(),
      completions_handled: 150,
      tasks_pushed: 7,
      batches: 5,
      cached_workflows: 2,
      flush_conflicts: 1,
      duplicate_completions: 3,
      last_workflow_latency_s: 0.01234,
    };
    expect(line.next(s, 10_000).msg).toBe(
      'coordinator stats: completions=150 (+150, 15.0/s)  pushed=7  batches=5  cached=2  conflicts=1  dupes=3  latency=0.012s',
    );
    const next = line.next({ ...s, completions_handled: 200 }, 15_000);
    expect(next.msg).toContain('completions=200 (+50, 10.0/s)');
    expect(next.fields.rate).toBe(10);
  });

  it('prints the final line with thousands separators', () => {
    expect(
      finalStatsLine({ ...emptyStats(), completions_handled: 1234567, tasks_pushed: 1000, batches: 42 }),
    ).toBe('Coordinator stopped — 1,234,567 completions, 1,000 tasks pushed, 42 batches');
  });
});
