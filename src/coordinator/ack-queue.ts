/**
 * The coordinator's deletes (acks) of completion messages: one FIFO for the whole process with at most
 * `concurrency` deletes in flight — the same shape as a raw receive+delete drain — and fewer while the
 * storage service only queues them (an adaptive limit, `ConcurrencyLimit`: on Azurite 4–8 delete as
 * fast as 64 and keep every other request's wait short). Deletes never pace
 * receiving (DECISIONS §4.15); the queue only tells the main loop how long its backlog will take to
 * settle (`settleEstimateMs`), so that nothing is held past its visibility timeout. While the loop reads
 * a backlog it holds deletes back (`setReading`): on Azurite a single delete in flight beside a receive
 * loop slows it 2–3-fold (docs/benchmarks.md, "Fourth round: dispatch"), so the receives — and the
 * children of what they bring — go first. Until one delete has settled, the main loop runs one alone
 * between two receives (`probe`): the hold bounds need a delete speed, and a delete timed beside a
 * receive would mostly measure the receive it queued behind at the storage service.
 */
import type { ReceivedMessage } from '../ports/queue.js';
import { LoopTrace } from './loop-trace.js';
import { ConcurrencyLimit } from './concurrency-limit.js';

interface BacklogWaiter {
  limit: number;
  resolve: () => void;
}

/** Compact the FIFO array once this many entries were consumed from its head. */
const COMPACT_AFTER = 1024;
/** Weight of the newest delete in the cost average. */
const COST_EWMA_WEIGHT = 0.2;
/** New deletes started while the main loop reads a backlog (see `setReading`). */
export const READING_DELETE_CONCURRENCY = 0;
/**
 * Deletes start in rounds: once at most this fraction of the limit is still in flight, the next
 * round fills it up again — not one new delete per settled one (pushes fill it at once). Each answer is one wake-up of the
 * process either way (Storage Queues have no batch delete), but a delete started alone in that
 * wake-up pays for building and signing its request with everything cold; started together, a
 * round's requests share one. A bare receive+delete loop on Azurite spends ≈ 25 % less user time
 * per message in rounds at the same delete rate (docs/benchmarks.md, "Ninth round"). The stragglers
 * of a round (a quarter) keep the service busy while the next one starts.
 */
export const ROUND_REFILL_AT = 0.25;
/** Trace a line every this many settled deletes. */
const TRACE_EVERY_DELETES = 64;

export class AckQueue {
  private queue: ReceivedMessage[] = [];
  private head = 0;
  private active = 0;
  private waiters: BacklogWaiter[] = [];
  /** Start time (performance.now) of each delete in flight, `inFlightArea` and deletes in flight then. */
  private readonly started = new Map<ReceivedMessage, { at: number; area: number; inFlight: number }>();
  /** Deletes in flight allowed now: adaptive, at most `concurrency` (see ConcurrencyLimit). */
  private readonly limiter: ConcurrencyLimit;
  /** ∫ deletes in flight dt (ms) since the queue was made, up to `areaAt`. */
  private inFlightArea = 0;
  private areaAt = performance.now();
  /** Recent average of a delete's time ÷ the mean number in flight over it (ms per delete). */
  private costMs: number | null = null;
  private reading = false;
  /** Whether this reading phase has run its burst (see `burst`). */
  private burstTaken = false;
  /** Deletes started and settled so far (for the trace). */
  private startedCount = 0;
  private settledCount = 0;
  /** Called after deletes were queued or one settled (see `onChange`). */
  private readonly listeners: (() => void)[] = [];

  /** `del` must never reject (errors are the caller's to log: the message is then redelivered). */
  constructor(
    private readonly del: (msg: ReceivedMessage) => Promise<void>,
    private readonly concurrency: number,
    private readonly trace: LoopTrace = LoopTrace.off(),
  ) {
    this.limiter = new ConcurrencyLimit({ max: concurrency });
  }

  /** Deletes that may be in flight now (adaptive, at most the configured concurrency). */
  get limit(): number {
    return this.limiter.limit;
  }

  /** Messages waiting for or in a delete. */
  get backlog(): number {
    return this.queue.length - this.head + this.active;
  }

  /** Queue deletes (order kept); they start at once when a slot is free. */
  push(msgs: readonly ReceivedMessage[]): void {
    for (const m of msgs) this.queue.push(m);
    this.pump();
    this.changed();
  }

  /**
   * Call `listener` whenever the backlog changed — deletes queued (a probe may be due) or one settled
   * (the hold bounds may let the next receive go): a main loop held by them waits for this, not a poll.
   */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Resolves once at most `limit` deletes are waiting or in flight (0: every delete settled). */
  whenBacklogAtMost(limit: number): Promise<void> {
    if (this.backlog <= limit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit, resolve }));
  }

  /**
   * While `reading`, start no new delete ({@link READING_DELETE_CONCURRENCY}) but the probe and the
   * burst the main loop asks for; otherwise keep the delete limit (at most `concurrency`) in flight.
   * The order of deletes is unchanged. The main loop turns reading off before one more batch would
   * exceed the hold bounds, so deletes are only ever deferred, never stopped.
   */
  setReading(reading: boolean): void {
    if (reading === this.reading) return;
    this.reading = reading;
    if (reading) this.burstTaken = false;
    this.trace.mark(reading ? 'deletes deferred' : 'deletes resumed', { backlog: this.backlog });
    if (!reading) this.pump();
  }

  /** Whether deletes are currently held back for reading. */
  get isReading(): boolean {
    return this.reading;
  }

  /** Whether some delete has settled, i.e. the delete speed is known (see `settleEstimateMs`). */
  get speedKnown(): boolean {
    return this.costMs !== null;
  }

  /**
   * How long, from now, until the current backlog and `extra` more messages queued behind it are
   * deleted, at the recent cost of one delete — its time ÷ the mean number of deletes in flight over
   * it, so a delete timed alone (the probe) gives a rate no faster than a full round's — or at the cost
   * the oldest delete still in flight already implies, whichever is slower (a stall counts at once).
   * Null until a delete settled: nothing is known yet about this queue's delete speed.
   */
  settleEstimateMs(extra: number, now = performance.now()): number | null {
    if (this.costMs === null) return null;
    let cost = this.costMs;
    for (const s of this.started.values()) cost = Math.max(cost, (now - s.at) / Math.max(1, this.active));
    return (this.backlog + extra) * cost;
  }

  /**
   * Whether the probe should run now: deletes are held back for reading, their speed is unknown, one
   * is waiting and none is in flight. The main loop then calls {@link probe} between two receives.
   */
  get probeReady(): boolean {
    return this.reading && this.costMs === null && this.active === 0 && this.head < this.queue.length;
  }

  /**
   * Start the next delete alone and resolve once it settled: the probe that times one delete while
   * nothing else of the loop's is in flight (the main loop waits for it before its next receive), so
   * its cost is a delete's own, not a delete queued behind a receive at the storage service.
   */
  probe(): Promise<void> {
    if (this.head >= this.queue.length) return Promise.resolve();
    this.trace.mark('probe delete', { backlog: this.backlog });
    return this.startNext();
  }

  /**
   * Whether a burst may run now: deletes are held back for reading, the speed is known only from
   * deletes timed with fewer in flight than `concurrency` (the probe), none is in flight, and this
   * reading phase has not had its burst yet.
   */
  get burstReady(): boolean {
    return (
      this.reading &&
      this.costMs !== null &&
      !this.burstTaken &&
      this.active === 0 &&
      this.queue.length - this.head >= 2
    );
  }

  /**
   * Run up to `concurrency` deletes at once while reading, and resolve once they all settled: the
   * delete cost at full concurrency, where the probe only knows the cost of one delete alone — an
   * upper bound that on a busy machine can be ten times the real cost, enough to stop reading a
   * backlog the deletes would settle in a few seconds. Once per reading phase.
   */
  burst(): Promise<void> {
    this.burstTaken = true;
    const n = Math.min(this.limiter.limit, this.queue.length - this.head);
    this.trace.mark('burst deletes', { deletes: n, backlog: this.backlog });
    const settled: Promise<void>[] = [];
    for (let i = 0; i < n; i++) settled.push(this.startNext());
    return Promise.all(settled).then(() => undefined);
  }

  /**
   * Start what the limit allows. After a settle (`settled`), only once at most a quarter of the limit
   * is still in flight ({@link ROUND_REFILL_AT}); a push or the end of reading fills it at once (its
   * deletes start together anyway).
   */
  private pump(settled = false): void {
    const full = this.limiter.limit;
    // Reading: no new delete; the probe (while the speed is unknown) is started by the main loop.
    const limit = this.reading ? Math.min(READING_DELETE_CONCURRENCY, full) : full;
    if (settled && this.active > Math.floor(limit * ROUND_REFILL_AT)) return;
    while (this.active < limit && this.head < this.queue.length) void this.startNext();
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Start the delete at the head of the FIFO; resolves when it settled. */
  private startNext(): Promise<void> {
    const msg = this.queue[this.head++];
    const area = this.advanceArea();
    this.active++;
    if (this.startedCount++ === 0) this.trace.mark('first delete', { backlog: this.backlog });
    this.started.set(msg, { at: this.areaAt, area, inFlight: this.active });
    const settle = (): void => this.finished(msg);
    return this.del(msg).then(settle, settle);
  }

  /** Bring `inFlightArea` up to now; returns it. */
  private advanceArea(): number {
    const now = performance.now();
    this.inFlightArea += this.active * (now - this.areaAt);
    this.areaAt = now;
    return this.inFlightArea;
  }

  private finished(msg: ReceivedMessage): void {
    const s = this.started.get(msg);
    const area = this.advanceArea();
    if (s !== undefined) {
      this.started.delete(msg);
      const ms = this.areaAt - s.at;
      this.limiter.observe(ms, s.inFlight);
      // time ÷ mean in flight = time² ÷ ∫ in flight; a delete that settled at once costs nothing.
      const sample = area > s.area ? (ms * ms) / (area - s.area) : 0;
      this.costMs = this.costMs === null ? sample : this.costMs + COST_EWMA_WEIGHT * (sample - this.costMs);
    }
    this.active--;
    if (this.trace.on && (++this.settledCount % TRACE_EVERY_DELETES === 0 || this.backlog === 0))
      this.trace.mark('deletes settled', { settled: this.settledCount, backlog: this.backlog });
    this.pump(true);
    this.changed();
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
