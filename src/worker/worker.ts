/**
 * The workflow-aware worker (`jobq worker QUEUE`, also embedded by `run-local`): receives task messages
 * in batches up to its free concurrency slots, runs each one (handle-message.ts) and stops gracefully.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from '../log.js';
import type { QueueClient, ReceivedMessage } from '../ports/queue.js';
import {
  ActivityPacer,
  IdleBackoff,
  alignedWaitMs,
  workerGrid,
  type ActivityPacerOptions,
  type PollGrid,
} from '../adapters/idle-backoff.js';
import { deadLetterSpec, validateWorkerOptions, type WorkerOptions, type WorkerStats } from './options.js';
import { handleMessage, type HandlerContext } from './handle-message.js';
import { targetEnv } from './task-env.js';

/** Storage Queue's per-call receive maximum. */
const MAX_RECEIVE_BATCH = 32;
/** First wait after a failed receive; doubles up to the idle cap. */
const ERROR_BACKOFF_INITIAL_MS = 100;
/**
 * Empty-queue polling: a quarter of the time since the last activity (a task received or finished),
 * from 20 ms up to `maxIdleBackoffS`. Right after a task the next one (its child) usually follows within
 * tens of milliseconds; a worker idle for a while polls at the cap, about once a second by default.
 */
const POLL_RATIO = 0.25;
const POLL_FLOOR_MS = 20;

/** The empty-queue waits of a worker with this idle cap (also read by the benchmarks). */
export function workerPolling(maxIdleBackoffS: number): ActivityPacerOptions {
  const capMs = maxIdleBackoffS * 1000;
  return { floorMs: Math.min(POLL_FLOOR_MS, capMs), capMs, ratio: POLL_RATIO };
}
/**
 * How long a busy worker waits for more slots to free before receiving into a partly free pool, and how
 * long it waits after a receive that came back short (the queue was drained). Every receive is a billed
 * transaction that scans the queue on the server (Azurite: every message in the account), so refilling
 * one slot at a time, or re-polling a queue just emptied, would cost about one receive per task; waiting
 * briefly lets one receive fill many slots.
 */
const REFILL_LINGER_MS = 100;
/** Default bound on waiting for running tasks when stopping. */
export const DEFAULT_STOP_GRACE_MS = 30_000;

export class Worker {
  readonly workerId: string;
  readonly stats: WorkerStats = {
    received: 0,
    succeeded: 0,
    failed: 0,
    published: 0,
    deadLettered: 0,
    mergeCompleted: 0,
  };
  /** Resolves when the worker has stopped (stop(), idle timeout, or a fatal error after start). */
  readonly done: Promise<void>;

  private readonly queue: QueueClient;
  private readonly logger: Logger;
  private readonly running = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private readonly backoff: IdleBackoff;
  private readonly pacer: ActivityPacer;
  /** The wall-clock grid of its polls at the idle pace; null with `idleAlign` off (see `workerGrid`). */
  private readonly grid: PollGrid | null;
  private stopping = false;
  private started = false;
  private graceMs = DEFAULT_STOP_GRACE_MS;
  private lastActivity = Date.now();
  private wake: (() => void) | null = null;
  private resolveDone!: () => void;
  private readonly taskBaseEnv: NodeJS.ProcessEnv;
  private context: HandlerContext | null = null;

  constructor(private readonly opts: WorkerOptions) {
    validateWorkerOptions(opts);
    this.workerId = opts.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.queue = opts.backend.queues.get(opts.queue);
    this.logger = opts.logger.child({ workerId: this.workerId, queue: opts.queue });
    this.backoff = new IdleBackoff({
      initialMs: Math.min(ERROR_BACKOFF_INITIAL_MS, opts.maxIdleBackoffS * 1000),
      maxMs: opts.maxIdleBackoffS * 1000,
    });
    this.pacer = new ActivityPacer(workerPolling(opts.maxIdleBackoffS));
    this.grid = opts.idleAlign === false ? null : workerGrid(opts.maxIdleBackoffS * 1000);
    // Each running task listens for shutdown (up to two listeners while it publishes): not a leak.
    setMaxListeners(10 + 2 * opts.concurrency, this.shutdown.signal);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.taskBaseEnv = { ...(opts.env ?? process.env), ...(opts.target ? targetEnv(opts.target) : {}) };
  }

  /** Ensure the task and completion queues exist, then start receiving. Returns once running. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const shell = this.opts.processor === 'shell';
    try {
      await Promise.all([
        this.queue.ensure(),
        this.opts.backend.completions.ensure(),
        shell ? this.opts.backend.outputs.ensureResources() : null,
      ]);
    } catch (err) {
      this.stopping = true;
      this.resolveDone(); // nothing ran: `done` must not hang for callers awaiting it
      throw err;
    }
    this.logger.info(
      {
        concurrency: this.opts.concurrency,
        processor: this.opts.processor,
        target: this.opts.backend.target,
      },
      'worker started',
    );
    this.lastActivity = Date.now();
    this.pacer.touch(this.lastActivity);
    void this.loop().then(
      () => this.resolveDone(),
      (err) => {
        this.logger.error({ err: String(err) }, 'worker loop failed');
        this.resolveDone();
      },
    );
  }

  /**
   * Stop taking tasks; wait for running ones up to `graceMs` (default 30 s), then terminate them and
   * return their messages to the queue. Resolves when stopped.
   */
  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    if (opts.graceMs !== undefined) this.graceMs = Math.min(this.graceMs, opts.graceMs);
    if (!this.stopping)
      this.logger.info({ running: this.running.size, graceMs: this.graceMs }, 'worker stopping');
    this.stopping = true;
    if (this.graceMs === 0) this.shutdown.abort();
    this.wake?.();
    if (!this.started) {
      this.resolveDone();
      return;
    }
    await this.done;
  }

  /** Number of tasks running now. */
  get runningCount(): number {
    return this.running.size;
  }

  private async loop(): Promise<void> {
    // 0 = not lingering; otherwise the epoch ms until which the next receive waits (then it runs).
    let lingerUntil = 0;
    while (!this.stopping) {
      if (this.running.size >= this.opts.concurrency) {
        await this.pause(Infinity);
        continue;
      }
      const now = Date.now();
      if (lingerUntil === 0 && this.running.size > 0 && this.freeSlots() < this.refillBatch())
        lingerUntil = now + REFILL_LINGER_MS;
      if (now < lingerUntil) {
        await this.pause(lingerUntil - now);
        continue;
      }
      lingerUntil = 0;
      const asked = this.receiveSize();
      const messages = await this.receive(asked);
      if (messages === null) continue;
      if (messages.length === 0) {
        if (this.idleExpired()) {
          this.logger.info({ idleTimeoutS: this.opts.idleTimeoutS }, 'idle timeout reached; worker exiting');
          break;
        }
        await this.pause(this.idleSleepMs());
        continue;
      }
      this.backoff.reset();
      this.lastActivity = Date.now();
      this.pacer.touch(this.lastActivity);
      for (const msg of messages) this.dispatch(msg);
      // A short receive emptied the queue: an immediate second receive would most likely come back
      // empty (a transaction for nothing), so let more messages arrive first.
      if (messages.length < asked) lingerUntil = Date.now() + REFILL_LINGER_MS;
    }
    this.stopping = true;
    await this.drain();
    this.logger.info({ stats: this.stats }, 'worker stopped');
  }

  private freeSlots(): number {
    return this.opts.concurrency - this.running.size;
  }

  /** Free slots worth a receive without lingering: one full receive, or the whole pool if smaller. */
  private refillBatch(): number {
    return Math.max(1, Math.min(MAX_RECEIVE_BATCH, this.opts.concurrency));
  }

  /** Messages to ask for: the free slots, at most one full receive. */
  private receiveSize(): number {
    return Math.min(MAX_RECEIVE_BATCH, this.freeSlots());
  }

  /** One batch receive of up to `max` messages; null after an error (already backed off). */
  private async receive(max: number): Promise<ReceivedMessage[] | null> {
    try {
      return await this.queue.receive(max, Math.ceil(this.opts.visibilityTimeoutS));
    } catch (err) {
      const delay = this.backoff.next();
      this.logger.warn(
        { err: err instanceof Error ? err.message : String(err), retryInMs: delay },
        'receive failed',
      );
      await this.pause(delay);
      return null;
    }
  }

  private idleExpired(): boolean {
    const limit = this.opts.idleTimeoutS;
    return limit !== null && this.running.size === 0 && Date.now() - this.lastActivity >= limit * 1000;
  }

  /** Next empty-queue wait, cut short so an idle timeout is honoured on time. */
  private idleSleepMs(): number {
    this.backoff.reset();
    const paced = this.pacer.next();
    const next = this.grid ? alignedWaitMs(paced, this.grid) : paced;
    const limit = this.opts.idleTimeoutS;
    if (limit === null || this.running.size > 0) return next;
    const remaining = limit * 1000 - (Date.now() - this.lastActivity);
    return Math.max(10, Math.min(next, remaining));
  }

  private dispatch(msg: ReceivedMessage): void {
    this.stats.received++;
    const task = handleMessage(msg, this.handlerContext()).finally(() => {
      this.running.delete(task);
      this.lastActivity = Date.now();
      this.pacer.touch(this.lastActivity);
      this.wake?.();
    });
    this.running.add(task);
  }

  private handlerContext(): HandlerContext {
    this.context ??= this.buildHandlerContext();
    return this.context;
  }

  private buildHandlerContext(): HandlerContext {
    const o = this.opts;
    return {
      backend: o.backend,
      processor: o.processor,
      workerEnv: this.taskBaseEnv,
      cancelPollIntervalS: o.cancelPollIntervalS,
      killTimeoutS: o.killTimeoutS,
      taskLogs: o.taskLogs,
      logger: this.logger,
      shutdown: this.shutdown.signal,
      queue: this.queue,
      deadLetter: o.backend.queues.get(deadLetterSpec(o.queue)),
      visibilityTimeoutS: Math.ceil(o.visibilityTimeoutS),
      completionSendMaxAttempts: o.completionSendMaxAttempts,
      completionRetryInitialMs: o.completionRetryInitialMs ?? 1000,
      completionRetryMaxMs: o.completionRetryMaxMs ?? 60_000,
      workerId: this.workerId,
      stats: this.stats,
    };
  }

  /** Wait for running tasks up to the grace period, then interrupt them (their messages are released). */
  private async drain(): Promise<void> {
    if (this.running.size === 0) return;
    const all = Promise.allSettled([...this.running]);
    const timer = Number.isFinite(this.graceMs)
      ? setTimeout(() => this.shutdown.abort(), this.graceMs)
      : null;
    await all;
    if (timer) clearTimeout(timer);
  }

  /** Sleep until `ms` passes, a task finishes, or stop() is called. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        if (timer) clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : null;
      this.wake = done;
    });
  }
}
