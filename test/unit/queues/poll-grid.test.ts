/**
 * Idle polls on a wall-clock grid (issue 16): the coordinator at its cap polls on the grid of its cap,
 * an idle worker just after it, so a wake-up waits for one poll rather than two independent ones —
 * for the same number of polls.
 */
import { describe, expect, it } from 'vitest';
import {
  WORKER_GRID_OFFSET_MS,
  WORKER_GRID_SPREAD_MS,
  alignedWaitMs,
  workerGrid,
  type PollGrid,
} from '../../../src/adapters/idle-backoff.js';

const P = 1_200;
const COORDINATOR: PollGrid = { periodMs: P, phaseMs: 0 };

/** Poll times of a process that waits `alignedWaitMs(P)` after each poll, from `start`, until `end`. */
function pollTimes(grid: PollGrid, start: number, end: number, pollCostMs = 7): number[] {
  const out: number[] = [];
  let t = start;
  while (t < end) {
    t += alignedWaitMs(P, grid, t);
    out.push(t);
    t += pollCostMs; // the receive's round trip before the next wait is computed
  }
  return out;
}

/** A deterministic stand-in for Math.random. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

describe('idle poll grid', () => {
  it('leaves waits shorter than the period alone (recent activity polls briskly)', () => {
    expect(alignedWaitMs(20, COORDINATOR, 1_000_123)).toBe(20);
    expect(alignedWaitMs(P - 1, COORDINATOR, 1_000_123)).toBe(P - 1);
  });

  it('puts a wait at the cap on the next grid point at least half a period away', () => {
    for (const now of [1_000_000, 1_000_001, 1_000_599, 1_000_600, 1_000_601, 1_001_199]) {
      const w = alignedWaitMs(P, { periodMs: P, phaseMs: 250 }, now);
      expect((((now + w - 250) % P) + P) % P).toBe(0);
      expect(w).toBeGreaterThanOrEqual(P / 2);
      expect(w).toBeLessThan(1.5 * P);
    }
  });

  it('costs the same polls as the plain cap: one per period once on the grid', () => {
    const hour = 3_600_000;
    const polls = pollTimes({ periodMs: P, phaseMs: 317 }, 5_000_123, 5_000_123 + hour);
    expect(polls.length).toBeGreaterThanOrEqual(hour / P - 1);
    expect(polls.length).toBeLessThanOrEqual(hour / P + 1);
    const gaps = polls.slice(1).map((t, i) => t - polls[i]);
    expect(Math.min(...gaps)).toBe(P);
    expect(Math.max(...gaps)).toBe(P);
  });

  it('puts a worker just after the coordinator, spread so a fleet does not poll in one instant', () => {
    const random = lcg(7);
    const phases = Array.from({ length: 500 }, () => workerGrid(P, random).phaseMs);
    expect(Math.min(...phases)).toBeGreaterThanOrEqual(WORKER_GRID_OFFSET_MS);
    expect(Math.max(...phases)).toBeLessThan(WORKER_GRID_OFFSET_MS + WORKER_GRID_SPREAD_MS);
    expect(new Set(phases).size).toBeGreaterThan(100);
    // Short caps keep the worker inside the first half of the coordinator's period.
    for (const cap of [50, 250, 400]) {
      const g = workerGrid(cap, random);
      expect(g.periodMs).toBe(cap);
      expect(g.phaseMs).toBeGreaterThan(0);
      expect(g.phaseMs).toBeLessThan(cap / 2);
    }
  });

  it('a task dispatched when the coordinator wakes is found at the next worker poll', () => {
    // Submits at random moments; the coordinator dispatches 60 ms after its poll that sees the submit;
    // the worker takes the task at its first poll after that. Aligned, that is one poll's wait plus the
    // offset; unaligned (a random worker phase), the two waits add up.
    const random = lcg(42);
    const start = 10_000_000;
    const coordinatorPolls = pollTimes(COORDINATOR, start, start + 4_000_000);
    const latency = (workerPolls: number[], submit: number) => {
      const seen = coordinatorPolls.find((t) => t >= submit)!;
      return workerPolls.find((t) => t >= seen + 60)! - submit;
    };
    const aligned: number[] = [];
    const unaligned: number[] = [];
    for (let w = 0; w < 20; w++) {
      const grid = workerGrid(P, random);
      const alignedPolls = pollTimes(grid, start, start + 4_000_000);
      const randomPolls = pollTimes(
        { periodMs: P, phaseMs: Math.floor(random() * P) },
        start,
        start + 4_000_000,
      );
      for (let i = 0; i < 100; i++) {
        const submit = start + 10_000 + random() * 3_900_000;
        aligned.push(latency(alignedPolls, submit));
        unaligned.push(latency(randomPolls, submit));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    expect(Math.max(...aligned)).toBeLessThanOrEqual(P + WORKER_GRID_OFFSET_MS + WORKER_GRID_SPREAD_MS);
    expect(median(aligned)).toBeLessThan(P / 2 + WORKER_GRID_OFFSET_MS + WORKER_GRID_SPREAD_MS / 2 + 60);
    expect(median(unaligned)).toBeGreaterThan(P);
  });
});
