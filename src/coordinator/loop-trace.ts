/**
 * A timeline of the coordinator's hot path, for finding where time goes between the lease and a
 * dispatch (issue 16): each event is one pino `debug` line `{ trace, t, ...fields }` with `t` in ms
 * since the lease was held (before that: since the trace was made). Off unless the logger's level is
 * `debug` or lower, and then nothing but a boolean check is paid per event. `bench/` turns it on with
 * `JOBQ_BENCH_TRACE=1` and prints the timeline.
 */
import type { Logger } from '../log.js';

/** The trace's log message, so tools can pick its lines out of a coordinator's output. */
export const TRACE_MESSAGE = 'coordinator trace';

export class LoopTrace {
  /** Whether events are recorded (the logger is at debug level). */
  readonly on: boolean;
  private origin = performance.now();

  constructor(private readonly logger: Logger | null) {
    this.on = logger?.isLevelEnabled('debug') ?? false;
  }

  /** A trace that records nothing (tests, callers without a logger). */
  static off(): LoopTrace {
    return new LoopTrace(null);
  }

  /** From now on, times are relative to this moment (the lease held). */
  resetOrigin(): void {
    this.origin = performance.now();
    this.mark('origin');
  }

  /** Record one event with its fields. */
  mark(event: string, fields?: Record<string, unknown>): void {
    if (!this.on || !this.logger) return;
    const t = Math.round((performance.now() - this.origin) * 10) / 10;
    this.logger.debug({ trace: event, t, ...fields }, TRACE_MESSAGE);
  }
}
