/**
 * The coordinator's deletes (acks) of completion messages: one FIFO for the whole process with at most
 * `concurrency` deletes in flight — the same shape as a raw receive+delete drain. Deletes never pace
 * receiving (DECISIONS §4.15); the queue only tells the main loop how long its backlog will take to
 * settle (`settleEstimateMs`), so that nothing is held past its visibility timeout. While the loop reads
 * a backlog it may lower the number in flight (`setReading`): the storage service serves the receives
 * it then shares with fewer deletes first, and the children of what they bring are pushed sooner.
 */
import type { ReceivedMessage } from '../ports/queue.js';

interface BacklogWaiter {
  limit: number;
  resolve: () => void;
}

/** Compact the FIFO array once this many entries were consumed from its head. */
const COMPACT_AFTER = 1024;
/** Weight of the newest delete in the latency average. */
const LATENCY_EWMA_WEIGHT = 0.2;
/** New deletes started while the main loop reads a backlog (see `setReading`). */
export const READING_DELETE_CONCURRENCY = 0;

export class AckQueue {
  private queue: ReceivedMessage[] = [];
  private head = 0;
  private active = 0;
  private waiters: BacklogWaiter[] = [];
  /** Start time (performance.now) of each delete in flight. */
  private readonly started = new Map<ReceivedMessage, number>();
  private latencyMs: number | null = null;
  private reading = false;

  /** `del` must never reject (errors are the caller's to log: the message is then redelivered). */
  constructor(
    private readonly del: (msg: ReceivedMessage) => Promise<void>,
    private readonly concurrency: number,
  ) {}

  /** Messages waiting for or in a delete. */
  get backlog(): number {
    return this.queue.length - this.head + this.active;
  }

  /** Queue deletes (order kept); they start at once when a slot is free. */
  push(msgs: readonly ReceivedMessage[]): void {
    for (const m of msgs) this.queue.push(m);
    this.pump();
  }

  /** Resolves once at most `limit` deletes are waiting or in flight (0: every delete settled). */
  whenBacklogAtMost(limit: number): Promise<void> {
    if (this.backlog <= limit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit, resolve }));
  }

  /**
   * While `reading`, start no new delete ({@link READING_DELETE_CONCURRENCY}); otherwise keep the full
   * `concurrency` in flight. The order of deletes is unchanged. The main loop turns reading off before
   * the hold bounds are half used, so deletes are only ever deferred, never stopped.
   */
  setReading(reading: boolean): void {
    if (reading === this.reading) return;
    this.reading = reading;
    if (!reading) this.pump();
  }

  /** Whether deletes are currently held back for reading. */
  get isReading(): boolean {
    return this.reading;
  }

  /** Average time one delete took (recent ones weigh most), ms; null until a delete settled. */
  get averageLatencyMs(): number | null {
    return this.latencyMs;
  }

  /**
   * How long, from now, until the current backlog and `extra` more messages queued behind it are
   * deleted, assuming each round of `concurrency` deletes takes as long as the slower of the recent
   * average and the oldest delete still in flight (so a stall counts at once). Null until a delete
   * settled: nothing is known yet about this queue's delete speed.
   */
  settleEstimateMs(extra: number, now = performance.now()): number | null {
    if (this.latencyMs === null) return null;
    let latency = this.latencyMs;
    for (const t of this.started.values()) latency = Math.max(latency, now - t);
    return Math.ceil((this.backlog + extra) / Math.max(1, this.concurrency)) * latency;
  }

  private pump(): void {
    const full = Math.max(1, this.concurrency);
    const limit = this.reading ? Math.min(READING_DELETE_CONCURRENCY, full) : full;
    while (this.active < limit && this.head < this.queue.length) {
      const msg = this.queue[this.head++];
      this.active++;
      this.started.set(msg, performance.now());
      const settle = (): void => this.finished(msg);
      this.del(msg).then(settle, settle);
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private finished(msg: ReceivedMessage): void {
    const t0 = this.started.get(msg);
    if (t0 !== undefined) {
      this.started.delete(msg);
      const sample = performance.now() - t0;
      this.latencyMs =
        this.latencyMs === null ? sample : this.latencyMs + LATENCY_EWMA_WEIGHT * (sample - this.latencyMs);
    }
    this.active--;
    this.pump();
    if (this.waiters.length === 0) return;
    const backlog = this.backlog;
    const still: BacklogWaiter[] = [];
    for (const w of this.waiters) {
      if (backlog <= w.limit) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}
