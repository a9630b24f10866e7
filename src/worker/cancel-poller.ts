/**
 * Per-task cancellation poll (reference §6.4): read the index `cancel_requested` flag every
 * `base` seconds ±25 %, each read bounded by min(interval, 30 s); errors double the interval up to
 * max(10 × base, 300 s); a successful read resets it.
 */
import type { Logger } from '../log.js';

export interface CancelPollerOptions {
  baseIntervalS: number;
  /** Reads the flag (IndexStore.getCancelRequested bound to the workflow). */
  read: () => Promise<boolean>;
  onCancel: () => void;
  logger: Logger;
  /** Injectable for tests; default Math.random. */
  random?: () => number;
}

const READ_TIMEOUT_CAP_S = 30;

/** Seconds until the next poll: `intervalS` jittered by ±25 %. */
export function jitteredDelayS(intervalS: number, random: () => number = Math.random): number {
  return intervalS * (0.75 + 0.5 * random());
}

/** Next interval after an error: doubled, capped at max(10 × base, 300 s). */
export function backedOffIntervalS(currentS: number, baseS: number): number {
  return Math.min(currentS * 2, Math.max(10 * baseS, 300));
}

class ReadTimeout extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadTimeout(`cancel flag read timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Polls until stopped or until the flag is seen (then calls `onCancel` once and stops). */
export class CancelPoller {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private intervalS: number;

  constructor(private readonly opts: CancelPollerOptions) {
    this.intervalS = opts.baseIntervalS;
  }

  start(): this {
    this.schedule();
    return this;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delayMs = jitteredDelayS(this.intervalS, this.opts.random) * 1000;
    this.timer = setTimeout(() => void this.poll(), delayMs);
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      const timeoutMs = Math.min(this.intervalS, READ_TIMEOUT_CAP_S) * 1000;
      const cancelled = await withTimeout(this.opts.read(), timeoutMs);
      this.intervalS = this.opts.baseIntervalS;
      if (cancelled && !this.stopped) {
        this.stopped = true;
        this.opts.onCancel();
        return;
      }
    } catch (err) {
      this.intervalS = backedOffIntervalS(this.intervalS, this.opts.baseIntervalS);
      this.opts.logger.warn(
        { err: String(err), nextPollS: this.intervalS },
        'cancel poll failed; backing off',
      );
    }
    this.schedule();
  }
}
