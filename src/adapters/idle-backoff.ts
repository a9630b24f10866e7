/**
 * Back-off for empty-queue polling: after each empty receive wait longer (doubling up to a cap), so an
 * idle coordinator or worker costs few queue transactions; any received message resets it.
 */
export interface IdleBackoffOptions {
  /** First wait after an empty receive, ms. */
  initialMs: number;
  /** Cap of the wait, ms. */
  maxMs: number;
  /** Growth per consecutive empty receive (default 2). */
  factor?: number;
  /** Fraction of random spread (0–1, default 0) so many workers do not poll in lock-step. */
  jitter?: number;
}

export class IdleBackoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private current = 0;

  constructor(opts: IdleBackoffOptions) {
    if (!(opts.initialMs >= 0) || !(opts.maxMs >= 0))
      throw new RangeError('IdleBackoff: initialMs and maxMs must be >= 0');
    this.initialMs = opts.initialMs;
    this.maxMs = Math.max(opts.maxMs, opts.initialMs);
    this.factor = opts.factor ?? 2;
    if (!(this.factor >= 1)) throw new RangeError('IdleBackoff: factor must be >= 1');
    this.jitter = Math.min(Math.max(opts.jitter ?? 0, 0), 1);
  }

  /** Milliseconds to wait after an empty receive: initialMs, then ×factor each time, never above maxMs. */
  next(): number {
    this.current = this.current === 0 ? this.initialMs : Math.min(this.current * this.factor, this.maxMs);
    if (this.jitter === 0) return this.current;
    return Math.round(this.current * (1 - this.jitter * Math.random()));
  }

  /** Call when a receive returned messages: the next empty receive waits initialMs again. */
  reset(): void {
    this.current = 0;
  }

  /** The wait `next()` returned last (0 after reset). */
  get currentMs(): number {
    return this.current;
  }
}

/**
 * Polling pace while work is expected soon (issue 16): after an empty receive, wait a fraction (`ratio`)
 * of the time since the last activity — a message received, a task finished, a child pushed — never
 * less than `floorMs` nor more than `capMs`. Right after activity it polls briskly, since the next
 * message (a child task, the next completion) usually follows within tens of milliseconds; the longer
 * nothing happens, the slower it polls, until `capMs`, the idle pace. The wait stays a bounded fraction
 * of the time already spent waiting, so being late costs at most `ratio` of an edge's own duration.
 */
export interface ActivityPacerOptions {
  /** Shortest wait, ms. */
  floorMs: number;
  /** Longest wait (the idle pace), ms. */
  capMs: number;
  /** Wait as a fraction of the time since the last activity (0–1]. */
  ratio: number;
}

export class ActivityPacer {
  private last: number;

  constructor(
    private readonly opts: ActivityPacerOptions,
    now = Date.now(),
  ) {
    if (!(opts.floorMs >= 0) || !(opts.capMs >= 0) || !(opts.ratio > 0))
      throw new RangeError('ActivityPacer: floorMs and capMs must be >= 0, ratio > 0');
    this.last = now;
  }

  /** Record activity: the next waits are brisk again. */
  touch(now = Date.now()): void {
    this.last = now;
  }

  /** Milliseconds to wait after an empty receive at `now`. */
  next(now = Date.now()): number {
    const { floorMs, capMs, ratio } = this.opts;
    return Math.round(Math.min(capMs, Math.max(floorMs, ratio * (now - this.last))));
  }

  /** Epoch ms of the last activity. */
  get lastActivityAt(): number {
    return this.last;
  }
}

/**
 * How long a process polling with `next()` takes, from its last activity, until every further wait is
 * the cap (for benchmarks that must reach the idle pace before they measure a wake-up).
 */
export function msUntilCap(next: (elapsedMs: number) => number, capMs: number): number {
  let t = 0;
  for (let i = 0; i < 10_000; i++) {
    const w = next(t);
    if (w >= capMs) return t;
    t += w;
  }
  return t;
}

/**
 * A wall-clock grid for polls at the idle pace (issue 16): every `periodMs`, at `phaseMs` past each
 * multiple of the period since the epoch. The coordinator polls on the grid of its cap with phase 0,
 * an idle worker on the grid of its own cap a little later ({@link WORKER_GRID_OFFSET_MS}), so a task
 * the coordinator dispatches on waking is on the worker's queue when the worker next looks: a wake-up
 * then waits for one poll (the coordinator's), not for two independent ones. Same number of polls.
 */
export interface PollGrid {
  periodMs: number;
  phaseMs: number;
}

/**
 * Where an idle worker's grid sits after the coordinator's: time for the coordinator to receive, load
 * a workflow (two blob reads) and send its task, with room to spare on Azure's round trips (at most a
 * quarter of the period, for short caps).
 */
export const WORKER_GRID_OFFSET_MS = 200;
/**
 * Each worker adds a random share of this (at most a quarter of its period), drawn once, so a fleet of
 * idle workers on one queue does not poll in one instant: their polls spread over this window.
 */
export const WORKER_GRID_SPREAD_MS = 200;

/** The grid of an idle worker polling every `capMs` (its offset and spread drawn now). */
export function workerGrid(capMs: number, random = Math.random): PollGrid {
  const offset = Math.min(WORKER_GRID_OFFSET_MS, capMs / 4);
  const spread = Math.min(WORKER_GRID_SPREAD_MS, capMs / 4);
  return { periodMs: capMs, phaseMs: Math.floor(offset + random() * spread) };
}

/**
 * The wait `waitMs` put on `grid` when it is the idle pace (>= the period): until the first grid point
 * at least half a period away, so polls keep the period on average and never come closer than half of
 * it. Shorter waits (activity is recent) are returned as they are.
 */
export function alignedWaitMs(waitMs: number, grid: PollGrid, now = Date.now()): number {
  const { periodMs, phaseMs } = grid;
  if (!(periodMs > 0) || waitMs < periodMs) return waitMs;
  const k = Math.ceil((now + periodMs / 2 - phaseMs) / periodMs);
  return Math.round(k * periodMs + phaseMs - now);
}
