/**
 * The adaptive delete limit: against a simulated service that serves one request at a time (Azurite),
 * the limit falls to its floor, since more in flight only queue; against one that serves them in
 * parallel at an even latency (Azure Storage), it climbs to the configured maximum and stays there.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../../src/coordinator/concurrency-limit.js';

/** Drive `limit` with `n` requests against a service whose latency at `inFlight` is `latency(inFlight)`. */
function drive(limit: ConcurrencyLimit, n: number, latency: (inFlight: number) => number): number[] {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) {
    const inFlight = limit.limit;
    limit.observe(latency(inFlight), inFlight);
    seen.push(limit.limit);
  }
  return seen;
}

describe('ConcurrencyLimit', () => {
  it('starts at min(16, max) and stays within [min, max]', () => {
    expect(new ConcurrencyLimit({ max: 64 }).limit).toBe(16);
    expect(new ConcurrencyLimit({ max: 3 }).limit).toBe(3);
    const l = new ConcurrencyLimit({ max: 64, min: 4 });
    l.observe(1, 1);
    drive(l, 500, () => 1_000);
    expect(l.limit).toBeGreaterThanOrEqual(1);
    drive(l, 500, () => 1);
    expect(l.limit).toBeLessThanOrEqual(64);
  });

  it('falls to its floor on a service that queues (latency grows with requests in flight)', () => {
    const l = new ConcurrencyLimit({ max: 64 });
    // One request alone: 3.5 ms (the probe); then each in flight adds a service time.
    l.observe(3.5, 1);
    const seen = drive(l, 200, (inFlight) => 3.5 * inFlight);
    expect(seen.at(-1)).toBe(4);
    expect(Math.max(...seen.slice(50))).toBeLessThanOrEqual(5);
    // Without a no-load sample the limit does not move at all.
    const blind = new ConcurrencyLimit({ max: 64 });
    drive(blind, 100, (inFlight) => 3.5 * inFlight);
    expect(blind.limit).toBe(16);
  });

  it('climbs to the maximum on a service that serves requests in parallel at an even latency', () => {
    const l = new ConcurrencyLimit({ max: 64 });
    l.observe(8, 1);
    const seen = drive(l, 400, () => 8 + Math.random());
    expect(seen.at(-1)).toBe(64);
    // …and does not wander off it.
    expect(Math.min(...seen.slice(-100))).toBe(64);
  });

  it('grows only when the limit was used: requests sent with room to spare say nothing about more', () => {
    const l = new ConcurrencyLimit({ max: 64 });
    l.observe(8, 1);
    for (let i = 0; i < 400; i++) l.observe(8, 2);
    expect(l.limit).toBe(16);
  });

  it('sends one request alone when none went alone for `probeEvery` samples, and recovers with it', () => {
    const l = new ConcurrencyLimit({ max: 64, probeEvery: 32 });
    l.observe(3.5, 1);
    drive(l, 200, (inFlight) => 3.5 * inFlight);
    expect(l.limit).toBe(4);
    // The service now answers in 20 ms whatever the load (a slower but parallel one): the next
    // request sent alone resets the baseline, and the limit climbs back.
    const seen = drive(l, 800, () => 20);
    expect(seen).toContain(1);
    expect(l.limit).toBe(64);
  });
});
