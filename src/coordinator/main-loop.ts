/**
 * The completion-queue loop (reference §5.4, pipelined; DECISIONS §4.15 "the coordinator reads first").
 * Each received batch is decoded and handed to the workflow table at once — applied, its ready children
 * pushed — while the loop goes straight on to the next receive; flushes and deletes (acks) run behind,
 * and a message is acked only after a flush that covers it. Receiving is bounded only by what is safe
 * to hold, never by how fast deletes complete:
 *
 * * at most `maxReceivesPerCycle × batchSize` messages received and not yet deleted (the reference's
 *   largest batch), and
 * * no more than the delete backlog can settle within half the visibility timeout, at the delete speed
 *   observed so far (before the first delete settles, at most four batches), so that no message is held
 *   until it becomes visible again and is redelivered.
 *
 * The delete speed is the cost of one delete (`AckQueue.settleEstimateMs`); before the first delete
 * settles, at most four batches are held.
 *
 * While receives come back full (a backlog is being read), deletes and flushes are deferred so that the
 * storage service answers the receives first (on Azurite a single delete in flight beside a receive
 * loop slows it 2–3-fold, and with `ackConcurrency` deletes in flight a receive is answered only after
 * the whole delete backlog), as long as one more batch fits the hold bound and the deferral plus the
 * time to settle the whole backlog stays within the deadline above; until the delete speed is known,
 * the flushes before it still run and one delete is timed alone between two receives (the probe).
 * A delete timed alone is an upper bound on its cost; when that bound would stop the reading, one
 * round of deletes at the current delete limit is timed (the burst) and the decision taken again.
 * Once a receive comes back short and its batch's children are pushed, or a bound is reached, the
 * flushes and the deletes run (up to `ackConcurrency` in flight; AckQueue).
 *
 * After an empty receive the loop waits: briskly while admitted workflows have tasks out (a fraction of
 * the time since the last message, from 10 ms), with the idle back-off (doubling from 50 ms) when none
 * has; both are capped by `maxIdleSleepS`. While more deletes wait than run, at least half their settle
 * time (at most 500 ms).
 */
import type { Logger } from '../log.js';
import type { CoordinatorSettings } from '../config/types.js';
import type { QueueClient, ReceivedMessage } from '../ports/queue.js';
import type { OutputStore } from '../ports/output-store.js';
import type { CoordinatorStats } from './stats.js';
import type { IncomingMessage, WorkflowTable } from './workflow-table.js';
import { decodeCoordinatorMessage } from '../wire/control-message.js';
import {
  ActivityPacer,
  IdleBackoff,
  alignedWaitMs,
  type ActivityPacerOptions,
  type IdleBackoffOptions,
  type PollGrid,
} from '../adapters/idle-backoff.js';
import { BatchOutputs } from './outputs.js';
import { Waker } from './concurrency.js';
import { LoopTrace } from './loop-trace.js';

export interface MainLoopDeps {
  completions: QueueClient;
  outputs: OutputStore;
  table: WorkflowTable;
  settings: CoordinatorSettings;
  stats: CoordinatorStats;
  logger: Logger;
  leaseHeld(): boolean;
  /** Observe one batch's receive → apply → push time, seconds. */
  observeBatch?(seconds: number): void;
  /** The hot path's debug timeline (receives, holds, batches applied). */
  trace?: LoopTrace;
  /**
   * Called once, after the first receive that came back short or empty and once the batches in hand
   * have pushed their children: the backlog found at start has been read and dispatched from.
   */
  backlogRead?(): void;
}

/** First idle wait after activity; doubles up to `maxIdleSleepS`. */
const FIRST_IDLE_WAIT_MS = 50;
/** While tasks are out: wait this fraction of the time since the last message, at least the floor. */
const IN_FLIGHT_POLL_RATIO = 0.25;
const IN_FLIGHT_POLL_FLOOR_MS = 10;
/**
 * While the hold bound keeps the loop from receiving, it sleeps until a change of the delete queue
 * (deletes queued or settled: `WorkflowTable.onAckChange`) lets it move — the next batch fits the
 * bounds, the probe delete is due, or the delete speed became known — and re-checks at least this
 * often. Only a settled delete loosens a bound (a delete that stalls only makes it stricter), so the
 * timer is a backstop, not the way the loop moves on; a settle that frees nothing does not wake it.
 */
export const HOLD_WAIT_MAX_MS = 250;
/**
 * Wait after a short receive (the queue was drained) before receiving again: an immediate receive would
 * mostly come back empty or nearly so, each one a billed transaction and a state write of its own.
 * Capped by `idleSleepS`, so a coordinator configured never to sleep never lingers either.
 */
const SHORT_RECEIVE_LINGER_MS = 50;
/** Share of the visibility timeout that received messages may spend waiting for their delete. */
const HOLD_FRACTION_OF_VISIBILITY = 0.5;
/** Longest wait after an empty receive while the delete backlog is deep (see `emptyWaitMs`). */
const DEEP_BACKLOG_MAX_WAIT_MS = 500;
/** Longest wait for the probe delete before receiving again (see `probeDelete`). */
const PROBE_WAIT_MS = 250;
/** Longest wait for a burst of deletes before deciding whether to read on (see `burstDeletes`). */
const BURST_WAIT_MS = 1_000;
/** Before any delete has settled (its speed unknown), hold at most this many batches. */
const COLD_HOLD_BATCHES = 4;

/** The empty-queue waits of a coordinator with these settings (also read by the benchmarks). */
export function coordinatorPolling(s: Pick<CoordinatorSettings, 'idleSleepS' | 'maxIdleSleepS'>): {
  idle: IdleBackoffOptions;
  inFlight: ActivityPacerOptions;
  /** At the cap, polls fall on this wall-clock grid, which idle workers poll just after (`workerGrid`). */
  grid: PollGrid;
} {
  const capMs = Math.max(s.idleSleepS, s.maxIdleSleepS) * 1000;
  return {
    grid: { periodMs: capMs, phaseMs: 0 },
    idle: { initialMs: Math.min(FIRST_IDLE_WAIT_MS, s.idleSleepS * 1000), maxMs: capMs },
    inFlight: {
      floorMs: Math.min(IN_FLIGHT_POLL_FLOOR_MS, s.idleSleepS * 1000),
      capMs,
      ratio: IN_FLIGHT_POLL_RATIO,
    },
  };
}

export class MainLoop {
  private readonly waker = new Waker();
  /** Wakes a loop held by the hold bound (see {@link HOLD_WAIT_MAX_MS}). */
  private readonly holdWaker = new Waker();
  /** Set while a held loop sleeps: whether the delete speed was known then (see `holdMayEnd`). */
  private holdSleep: { speedKnown: boolean } | null = null;
  private stopping = false;
  private readonly backoff: IdleBackoff;
  private readonly pacer: ActivityPacer;
  private readonly grid: PollGrid;
  /** Messages received whose batch is still being applied (not yet held by the table). */
  private applying = 0;
  private readonly batches = new Set<Promise<void>>();
  /** When deletes started to yield to receives (performance.now), or null. */
  private readingSince: number | null = null;
  private readingEpoch = 0;
  /** Epoch ms of the last loop turn (for /healthz). */
  lastProgressAt = Date.now();

  private readonly trace: LoopTrace;
  /** Whether the hold bound kept the last turn from receiving (traced once per wait). */
  private holding = false;
  /** Whether `backlogRead` has been called. */
  private backlogReadTold = false;

  constructor(private readonly d: MainLoopDeps) {
    this.trace = d.trace ?? LoopTrace.off();
    const polling = coordinatorPolling(d.settings);
    this.backoff = new IdleBackoff(polling.idle);
    this.pacer = new ActivityPacer(polling.inFlight);
    this.grid = polling.grid;
    d.table.onAckChange(() => {
      if (this.holdMayEnd()) this.holdWaker.wake();
    });
  }

  /** Ask the loop to finish its current batch and return. */
  stop(): void {
    this.stopping = true;
    this.waker.wake();
    this.holdWaker.wake();
  }

  /**
   * Whether a held loop asleep should look again (called on every change of the delete queue, i.e.
   * about once per completion while held): not while it has nothing to do but wait for a bound.
   */
  private holdMayEnd(): boolean {
    const h = this.holdSleep;
    if (h === null) return false;
    return (
      this.mayReceive() ||
      this.d.table.ackProbeReady() ||
      (!h.speedKnown && this.d.table.ackSettleEstimateMs(0) !== null)
    );
  }

  /** Messages received and not yet deleted: being applied, held for a flush, or waiting for a delete. */
  unsettled(): number {
    return this.applying + this.d.table.heldCount() + this.d.table.ackBacklog();
  }

  /**
   * Whether one more batch may be received now (see the module comment): within the hold bound, and
   * settled by deletes well within the visibility timeout at the delete speed seen so far.
   */
  mayReceive(): boolean {
    return this.holdFill() <= 1;
  }

  /**
   * How full the hold bounds would be with one more batch, as the larger share of either bound (0–1;
   * above 1: that batch must wait).
   */
  private holdFill(): number {
    const s = this.d.settings;
    const unsettled = this.unsettled();
    if (unsettled === 0) return 0;
    const maxHeld = s.maxReceivesPerCycle * s.batchSize;
    const after = unsettled + s.batchSize;
    if (after > maxHeld) return Infinity;
    const notQueued = unsettled - this.d.table.ackBacklog();
    const estimate = this.d.table.ackSettleEstimateMs(notQueued + s.batchSize);
    if (estimate === null) return after <= COLD_HOLD_BATCHES * s.batchSize ? after / maxHeld : Infinity;
    const deadlineMs = s.visibilityTimeoutS * 1000 * HOLD_FRACTION_OF_VISIBILITY;
    return Math.max(after / maxHeld, estimate / deadlineMs);
  }

  /**
   * Whether deletes should yield to the next receives: the batch just received was full (more are
   * waiting), one more batch fits the hold bound, and the time deletes were deferred so far plus the
   * time to settle the whole backlog at the (pessimistic, probe-timed) delete cost stays within the
   * deadline: so deferring never ages a message past half its visibility timeout.
   */
  private shouldReadAhead(full: boolean): boolean {
    if (!full || !this.fitsHoldCount()) return false;
    const s = this.d.settings;
    const after = this.unsettled() + s.batchSize;
    const estimate = this.d.table.ackSettleEstimateMs(after - this.d.table.ackBacklog());
    // Delete speed not known yet: the probe delete measures it; `holdFill` keeps to the cold bound.
    if (estimate === null) return true;
    const deferredMs = this.readingSince === null ? 0 : performance.now() - this.readingSince;
    return deferredMs + estimate <= s.visibilityTimeoutS * 1000 * HOLD_FRACTION_OF_VISIBILITY;
  }

  /** Whether one more batch fits the hold count (`maxReceivesPerCycle × batchSize`). */
  private fitsHoldCount(): boolean {
    const s = this.d.settings;
    return this.unsettled() + s.batchSize <= s.maxReceivesPerCycle * s.batchSize;
  }

  /** Call `backlogRead` (once) when the batches in hand have been applied and their children pushed. */
  private backlogReadAfterBatches(): void {
    const told = this.d.backlogRead;
    if (!told || this.backlogReadTold) return;
    this.backlogReadTold = true;
    if (this.batches.size === 0) told();
    else void Promise.all(this.batches).then(told);
  }

  /** Run the burst of deletes (AckQueue.burst), waiting at most {@link BURST_WAIT_MS}. */
  private async burstDeletes(): Promise<void> {
    await Promise.race([this.d.table.ackBurst(), this.waker.sleep(BURST_WAIT_MS)]);
  }

  private setReading(on: boolean): void {
    if (on && this.readingSince === null) this.readingSince = performance.now();
    if (!on) this.readingSince = null;
    this.d.table.setAckReading(on);
  }

  /** Stop deferring deletes once the batches in hand have pushed their children (those go first). */
  private stopReadingAfterBatches(): void {
    if (this.readingSince === null) return;
    const epoch = ++this.readingEpoch;
    void Promise.all(this.batches).then(() => {
      if (epoch === this.readingEpoch) this.setReading(false);
    });
  }

  /** Run until stopped. Never throws: errors are logged and the loop continues. */
  async run(): Promise<void> {
    const lingerMs = Math.min(SHORT_RECEIVE_LINGER_MS, this.d.settings.idleSleepS * 1000);
    while (!this.stopping) {
      this.lastProgressAt = Date.now();
      if (!this.d.leaseHeld()) {
        await this.waker.sleep(200);
        continue;
      }
      if (!this.mayReceive()) {
        if (!this.holding) this.trace.mark('hold wait', { unsettled: this.unsettled() });
        this.holding = true;
        if (this.d.table.ackProbeReady()) {
          // The cold bound is reached: time the probe, then decide again with the speed known.
          await this.probeDelete();
          continue;
        }
        // With the delete speed known, a hold means a bound is reached: run the deletes.
        const speedKnown = this.d.table.ackSettleEstimateMs(0) !== null;
        if (speedKnown) this.setReading(false);
        this.holdSleep = { speedKnown };
        await this.holdWaker.sleep(HOLD_WAIT_MAX_MS);
        this.holdSleep = null;
        continue;
      }
      this.holding = false;
      if (this.d.table.ackProbeReady()) await this.probeDelete();
      const msgs = await this.receive();
      if (msgs === null || msgs.length === 0) {
        if (msgs !== null) this.backlogReadAfterBatches();
        this.stopReadingAfterBatches();
        await this.waker.sleep(this.emptyWaitMs());
        continue;
      }
      this.backoff.reset();
      this.pacer.touch();
      this.start(msgs);
      // A full batch: more are waiting, so let the next receives go first while that is safe.
      const full = msgs.length >= this.d.settings.batchSize;
      let ahead = this.shouldReadAhead(full);
      if (!ahead && full && this.fitsHoldCount() && this.d.table.ackBurstReady()) {
        // Only the cost of a delete alone is known, and it says stop: time a full round of deletes
        // first, then decide again (see AckQueue.burst).
        await this.burstDeletes();
        ahead = this.shouldReadAhead(full);
      }
      if (ahead) {
        this.readingEpoch++;
        this.setReading(true);
      } else if (!full) this.stopReadingAfterBatches();
      else this.setReading(false);
      if (!full) this.backlogReadAfterBatches();
      if (msgs.length < this.d.settings.batchSize && lingerMs > 0) await this.waker.sleep(lingerMs);
    }
    this.setReading(false);
    while (this.batches.size > 0) await Promise.all(this.batches);
  }

  /**
   * Wait after an empty receive: brisk while tasks are out, the idle back-off otherwise — at its cap on
   * the wall-clock grid idle workers poll just after (`alignedWaitMs`); and while
   * more deletes wait than run (the storage service is busy with them), at least half the time they
   * need to settle, up to {@link DEEP_BACKLOG_MAX_WAIT_MS}: a receive would only queue behind them, and
   * on Azurite each one scans every message still in the account.
   */
  private emptyWaitMs(): number {
    let wait: number;
    if (this.d.table.hasWorkInFlight()) {
      this.backoff.reset();
      wait = this.pacer.next();
    } else wait = this.backoff.next();
    wait = alignedWaitMs(wait, this.grid);
    if (this.d.table.ackBacklog() <= this.d.settings.ackConcurrency) return wait;
    const settle = this.d.table.ackSettleEstimateMs(0) ?? 0;
    const capMs = Math.max(this.d.settings.idleSleepS, this.d.settings.maxIdleSleepS) * 1000;
    return Math.max(wait, Math.min(settle / 2, DEEP_BACKLOG_MAX_WAIT_MS, capMs));
  }

  /**
   * Time one delete with no receive of ours in flight (the probe; see AckQueue.probe), waiting at most
   * {@link PROBE_WAIT_MS}: a delete that takes longer is counted by its age in the settle estimate, and
   * the cold hold bound keeps reading from running ahead of it meanwhile.
   */
  private async probeDelete(): Promise<void> {
    const settled = this.d.table.ackProbe();
    await Promise.race([settled, this.waker.sleep(PROBE_WAIT_MS)]);
  }

  /** Apply one batch without waiting for it; the table keeps each workflow's batches in order. */
  private start(msgs: ReceivedMessage[]): void {
    this.applying += msgs.length;
    const p: Promise<void> = this.processBatch(msgs)
      .catch((err: unknown) => {
        this.d.logger.error({ err }, 'coordinator: unexpected error in batch loop');
      })
      .finally(() => {
        this.applying -= msgs.length;
        this.batches.delete(p);
      });
    this.batches.add(p);
  }

  /** One receive; null on error (logged, counted; the loop never dies of it). */
  private async receive(): Promise<ReceivedMessage[] | null> {
    try {
      this.trace.mark('receive start', { unsettled: this.unsettled() });
      const msgs = await this.d.completions.receive(
        this.d.settings.batchSize,
        this.d.settings.visibilityTimeoutS,
      );
      this.trace.mark('receive done', { messages: msgs.length });
      return msgs;
    } catch (err) {
      this.d.stats.receive_errors++;
      this.d.logger.error({ err }, 'coordinator: error receiving completions; will retry');
      return null;
    }
  }

  /** Decode, group by workflow (order preserved), apply each group under its workflow's mutex. */
  private async processBatch(msgs: ReceivedMessage[]): Promise<void> {
    const started = performance.now();
    this.d.stats.batches++;
    const groups = new Map<string, IncomingMessage[]>();
    for (const msg of msgs) {
      for (const [workflowId, m] of this.decode(msg)) {
        let g = groups.get(workflowId);
        if (!g) groups.set(workflowId, (g = []));
        g.push(m);
      }
    }
    const outputs = new BatchOutputs(this.d.outputs);
    await Promise.all(
      [...groups].map(([workflowId, group]) =>
        this.d.table.process(workflowId, group, outputs).catch((err: unknown) => {
          this.d.logger.error({ err, workflowId }, 'failed to apply completions; they will be redelivered');
        }),
      ),
    );
    this.d.observeBatch?.((performance.now() - started) / 1000);
    this.trace.mark('batch applied', { messages: msgs.length, ms: Math.round(performance.now() - started) });
  }

  /** What a message asks of which workflows: none (poison), one, or several (a batch `activate`). */
  private decode(msg: ReceivedMessage): [string, IncomingMessage][] {
    const decoded = decodeCoordinatorMessage(msg.body);
    if (decoded.kind === 'poison') {
      this.d.stats.poison_messages++;
      this.d.logger.warn(
        { id: msg.id, reason: decoded.reason },
        `dropping un-parseable completion message id=${msg.id}`,
      );
      this.d.table.ack([msg], 0);
      return [];
    }
    if (decoded.kind === 'completion') {
      const { workflowId, ...completion } = decoded.completion;
      return [[workflowId, { msg, item: { kind: 'completion', completion } }]];
    }
    this.d.stats.control_messages++;
    const c = decoded.control;
    if (c.type !== 'activate') return [[c.workflowId, { msg, item: { kind: c.type } }]];
    const targets = [{ workflowId: c.workflowId, createdAt: c.createdAt }, ...(c.more ?? [])];
    // A workflow named twice is activated once; the message is deleted after the last one flushed.
    const unique = [...new Map(targets.map((t) => [t.workflowId, t])).values()];
    const share = unique.length > 1 ? { remaining: unique.length } : undefined;
    return unique.map((t) => [
      t.workflowId,
      { msg, share, item: { kind: 'activate' }, createdAt: t.createdAt },
    ]);
  }
}
