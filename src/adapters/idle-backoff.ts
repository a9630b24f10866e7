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
