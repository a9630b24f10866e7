/**
 * The coordinator's workflows in memory (reference §5.4/§5.10, pipelined). Every mutation of a
 * workflow — main-loop completions, control messages, sweeps, admission — runs under that workflow's
 * mutex on the one in-memory runtime, so sweeps never race the main loop inside the process. Each
 * workflow has at most one flush in flight; mutations made meanwhile ride the next flush, which uses
 * the ETag the previous one returned. A message is acked only once a successful flush covers it.
 */
import type { EncodedStateDoc } from '../ports/state-store.js';
import { StateBlobEncoder } from '../wire/state-blob.js';
import type { Logger } from '../log.js';
import type { Backend } from '../ports/backend.js';
import type { CoordinatorSettings } from '../config/types.js';
import type { ReceivedMessage } from '../ports/queue.js';
import type { Runtime, StepResult, TaskDispatch } from '../engine/api.js';
import type { CoordinatorStats } from './stats.js';
import { isJobqError } from '../errors.js';
import { KeyedMutex } from './concurrency.js';
import { AckQueue } from './ack-queue.js';
import { Dispatcher } from './dispatcher.js';
import { WorkflowLoader } from './loader.js';
import { BatchOutputs } from './outputs.js';
import { applyItem, settleStep, type AppliedStep } from './apply.js';
import {
  deliverable,
  isClean,
  newSlot,
  type HeldMessage,
  type SharedDelivery,
  type WorkItem,
  type WorkflowSlot,
} from './slot.js';
import { IndexRefresher } from './index-refresh.js';
import { LruMap } from './lru.js';
import type { FlushRecord } from './flush-journal.js';
import type { DispatchGate } from './dispatch-gate.js';
import { LoopTrace } from './loop-trace.js';

/** Decisions the table asks of its owner. */
export interface TableHooks {
  /** An `activate` item for a not-yet-admitted workflow: admit now (true) or queue it (false). */
  admit(workflowId: string, createdAt: string): boolean | Promise<boolean>;
  /** A workflow was seen in a given condition (load or durable flush). */
  observed(workflowId: string, rt: Runtime): void;
}

export interface TableDeps {
  backend: Backend;
  settings: CoordinatorSettings;
  logger: Logger;
  stats: CoordinatorStats;
  hooks: TableHooks;
  /** Whether this process holds the lease right now (DECISIONS §4.6): no flush or ack otherwise. */
  leaseHeld(): boolean;
  now(): number;
  /** Observe one successful state-blob write. */
  observeFlush?(flush: FlushRecord): void;
  /** jobq extensions: cache lookups and lock holds between the engine's dispatches and the queues. */
  gate?: DispatchGate;
  /** The hot path's debug timeline (loads, pushes, flushes, acks). */
  trace?: LoopTrace;
}

export interface IncomingMessage {
  msg: ReceivedMessage;
  /** Set when the message also speaks for other workflows (a batch `activate`). */
  share?: SharedDelivery;
  item: WorkItem;
  /** created_at carried by an activate control message. */
  createdAt?: string;
}

const MAX_TRANSIENT_FLUSH_ERRORS = 3;
const KNOWN_ETAGS_MAX = 200_000;

interface Snapshot {
  doc: EncodedStateDoc;
  gen: number;
  etag: string;
  epoch: number;
  runtime: Runtime;
}

export class WorkflowTable {
  /** One incremental blob encoder per runtime (dropped with it). */
  private readonly encoders = new WeakMap<Runtime, StateBlobEncoder>();
  private readonly slots = new Map<string, WorkflowSlot & { epoch: number; flushErrors: number }>();
  /** Tasks of every cached runtime together (the second cache bound). */
  private cachedTasks = 0;
  readonly mutex = new KeyedMutex();
  readonly loader: WorkflowLoader;
  readonly dispatcher: Dispatcher;
  private readonly index: IndexRefresher;
  private readonly acks: AckQueue;
  /** Set by allowAcksAfterRelease(): queued deletes run without the lease. */
  private acksAfterRelease = false;
  /** Last durable ETag per workflow, for the sweeps' skip cache. */
  readonly knownEtags = new LruMap<string, string>(KNOWN_ETAGS_MAX);
  private readonly trace: LoopTrace;
  /** Set while flushes wait for the main loop to finish reading a backlog (see `setAckReading`). */
  private flushHold: { promise: Promise<void>; release: () => void } | null = null;

  constructor(private readonly d: TableDeps) {
    this.trace = d.trace ?? LoopTrace.off();
    this.loader = new WorkflowLoader(d.backend, d.settings.cacheMaxWorkflows);
    this.dispatcher = new Dispatcher(d.backend.queues, d.stats, d.logger, d.settings.pushConcurrency);
    this.index = new IndexRefresher(d.backend.index, d.settings, d.stats, d.logger);
    // One FIFO of deletes for the process, ackConcurrency in flight (the raw drain's shape).
    this.acks = new AckQueue(
      (msg) =>
        // The fence holds for queued deletes too: without the lease the message is left for redelivery.
        d.leaseHeld() || this.acksAfterRelease
          ? d.backend.completions
              .delete(msg)
              .catch((err: unknown) =>
                this.d.logger.debug({ err, id: msg.id }, 'ack failed (message will be redelivered)'),
              )
          : Promise.resolve(),
      d.settings.ackConcurrency,
      this.trace,
    );
  }

  get size(): number {
    return this.slots.size;
  }

  /** Acked messages whose delete has not settled yet (waiting or in flight). */
  ackBacklog(): number {
    return this.acks.backlog;
  }

  /**
   * While the main loop reads a backlog (true), hold deletes back and, once the delete speed is known,
   * flushes too: each is a storage request that slows the receives, and neither can bring a child
   * forward (children are pushed before the flush that records them). False runs them all again.
   */
  setAckReading(reading: boolean): void {
    this.acks.setReading(reading);
    if (reading && !this.flushHold) {
      let release!: () => void;
      const promise = new Promise<void>((r) => (release = r));
      this.flushHold = { promise, release };
      this.trace.mark('flushes deferred');
    } else if (!reading && this.flushHold) {
      this.flushHold.release();
      this.flushHold = null;
      this.trace.mark('flushes resumed');
    }
  }

  /** Call `listener` when deletes were queued or one settled (AckQueue.onChange). */
  onAckChange(listener: () => void): void {
    this.acks.onChange(listener);
  }

  /** Whether the main loop should time one delete alone now (AckQueue.probeReady). */
  ackProbeReady(): boolean {
    return this.acks.probeReady;
  }

  /** Run the probe delete; resolves when it settled (AckQueue.probe). */
  ackProbe(): Promise<void> {
    return this.acks.probe();
  }

  /** Whether a burst of deletes may be timed now (AckQueue.burstReady). */
  ackBurstReady(): boolean {
    return this.acks.burstReady;
  }

  /** Run the burst; resolves when its deletes settled (AckQueue.burst). */
  ackBurst(): Promise<void> {
    return this.acks.burst();
  }

  /** Ms until the delete backlog and `extra` more messages behind it are deleted (null: not known yet). */
  ackSettleEstimateMs(extra: number): number | null {
    return this.acks.settleEstimateMs(extra);
  }

  /**
   * Whether some workflow in memory is admitted and not finished, i.e. has tasks out with workers
   * whose completions are to come: the main loop then polls briskly rather than backing off.
   */
  hasWorkInFlight(): boolean {
    for (const s of this.slots.values()) if (s.runtime.activated && !s.runtime.isTerminal()) return true;
    return false;
  }

  /** Messages applied but not yet acked, across all workflows (the main loop's back-pressure). */
  heldCount(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.held.length;
    return n;
  }

  /** Apply one workflow's messages of a receive, in order; push what became ready; schedule the flush. */
  process(workflowId: string, incoming: readonly IncomingMessage[], outputs: BatchOutputs): Promise<void> {
    return this.mutex.run(workflowId, async () => {
      const cached = this.slots.has(workflowId);
      const slot = await this.acquire(workflowId);
      if (!slot) return this.dropOrphans(workflowId, incoming);
      const dispatch: AppliedStep['dispatch'] = [];
      try {
        for (const m of incoming) {
          if (m.item.kind === 'retry' && cached && !(await this.reload(slot, 'retry requested'))) return;
          const admitted = this.admissionOf(slot, m);
          const item = admitted instanceof Promise ? await admitted : admitted;
          const applied = applyItem(slot.runtime, item, outputs, this.d.stats, this.d.now);
          const r = applied instanceof Promise ? await applied : applied;
          if (r.changed) slot.gen++;
          slot.held.push({ msg: m.msg, share: m.share, item, gen: slot.gen });
          for (const d of r.dispatch) dispatch.push(d);
          if (item.kind === 'completion') this.d.gate?.completed(slot.runtime, [item.completion]);
          else this.d.gate?.mutated(slot.runtime);
        }
      } catch (err) {
        throw this.abandonAfterThrow(slot, err);
      }
      if (await this.push(slot, dispatch)) this.requestFlush(slot);
    });
  }

  /**
   * Something threw part-way through a mutation (e.g. a transient output fetch): earlier steps may
   * have marked tasks RUNNING whose dispatches were never pushed, and the failing step may be half
   * applied without a generation bump. Neither may reach a flush, so drop the runtime like a failed
   * push does; the next message reloads durable state and un-acked messages are redelivered.
   */
  private abandonAfterThrow(slot: WorkflowSlot, err: unknown): unknown {
    this.d.logger.warn(
      { err, workflowId: slot.id },
      'applying failed part-way; dropping in-memory progress (messages will be redelivered)',
    );
    this.abandon(slot, 'apply failed');
    return err;
  }

  /**
   * Run a mutation (sweep, admission, cancel) on a workflow under its mutex. `fn` returns null for
   * "nothing to do". With `cachedOnly`, a workflow not in memory is left alone (returns null).
   */
  mutate(
    workflowId: string,
    fn: (rt: Runtime, now: number) => StepResult | null,
    opts: { cachedOnly?: boolean } = {},
  ): Promise<{ step: StepResult; runtime: Runtime } | null> {
    return this.mutex.run(workflowId, async () => {
      const slot = opts.cachedOnly ? (this.slots.get(workflowId) ?? null) : await this.acquire(workflowId);
      if (!slot) return null;
      let step: StepResult | null;
      let r: AppliedStep;
      try {
        step = fn(slot.runtime, this.d.now());
        if (!step) return null;
        const outputs = new BatchOutputs(this.d.backend.outputs);
        r = await settleStep(slot.runtime, step, outputs, this.d.stats, this.d.now);
        this.d.gate?.mutated(slot.runtime);
      } catch (err) {
        throw this.abandonAfterThrow(slot, err);
      }
      if (r.changed) slot.gen++;
      if (await this.push(slot, r.dispatch)) this.requestFlush(slot);
      return { step, runtime: slot.runtime };
    });
  }

  /** Read a workflow (loading it if needed) under its mutex without changing it. */
  inspect<T>(workflowId: string, fn: (rt: Runtime, etag: string) => T): Promise<T | null> {
    return this.mutex.run(workflowId, async () => {
      const slot = await this.acquire(workflowId);
      return slot ? fn(slot.runtime, slot.etag) : null;
    });
  }

  /** The runtime if it is in memory (no load). */
  cached(workflowId: string): Runtime | null {
    return this.slots.get(workflowId)?.runtime ?? null;
  }

  /** Forget every in-memory workflow (lease regained: someone else may have written). Nothing is acked. */
  dropAll(reason: string): void {
    for (const slot of [...this.slots.values()]) this.abandon(slot, reason);
  }

  /**
   * Settle everything that needs the lease: every flush in flight or due, then the index writes they
   * queued. Deletes already queued go on (drainAcks); they need no lease (see allowAcksAfterRelease).
   */
  async drainFlushes(): Promise<void> {
    for (;;) {
      const flushing = [...this.slots.values()]
        .map((s) => s.flushing)
        .filter((p): p is Promise<void> => p !== null);
      if (flushing.length === 0) break;
      await Promise.all(flushing);
    }
    await this.index.drain();
  }

  /** Wait until every queued delete has settled. */
  async drainAcks(): Promise<void> {
    await this.acks.whenBacklogAtMost(0);
  }

  /**
   * Graceful hand-over (issue 17): after the last flush is durable and the lease is released, the
   * deletes already queued may still run. Each covers a message whose effect is in a durable flush (or
   * a poison/orphan drop), so deleting it changes no state; if the next leader received it first, the
   * old pop receipt makes the delete fail harmlessly and the next leader ignores it as a duplicate.
   * Nothing new is queued after release: ack() and flushes still check the lease.
   */
  allowAcksAfterRelease(): void {
    this.acksAfterRelease = true;
  }

  /** Flush everything, then settle every delete (drainFlushes + drainAcks). */
  async drain(): Promise<void> {
    await this.drainFlushes();
    await this.drainAcks();
  }

  // --- slots -------------------------------------------------------------------------------------

  private async acquire(
    workflowId: string,
  ): Promise<(WorkflowSlot & { epoch: number; flushErrors: number }) | null> {
    const hit = this.slots.get(workflowId);
    if (hit) {
      this.slots.delete(workflowId);
      this.slots.set(workflowId, hit);
      return hit;
    }
    this.trace.mark('load start', { workflowId });
    const loaded = await this.loader.load(workflowId);
    this.trace.mark('load done', { workflowId, found: loaded !== null });
    if (!loaded) return null;
    const slot = { ...newSlot(workflowId, loaded.runtime, loaded.etag), epoch: 0, flushErrors: 0 };
    this.slots.set(workflowId, slot);
    this.cachedTasks += slot.runtime.taskCount;
    this.d.stats.cached_workflows = this.slots.size;
    this.knownEtags.set(workflowId, loaded.etag);
    this.orCancel(slot, loaded.cancelRequested);
    if (loaded.indexState !== null && loaded.indexState !== slot.runtime.state)
      this.index.repair(slot, slot.runtime, loaded.indexState);
    this.d.hooks.observed(workflowId, slot.runtime);
    return (await this.dispatchParked(slot)) ? slot : null;
  }

  /**
   * Only the coordinator dispatches and it marks a task RUNNING before pushing it, so a task that is
   * READY (or parked by a client `retry`) in the durable state of an admitted workflow has no message:
   * push it as soon as the workflow is loaded rather than waiting for the ready-repair threshold.
   */
  private async dispatchParked(
    slot: WorkflowSlot & { epoch: number; flushErrors: number },
  ): Promise<boolean> {
    const rt = slot.runtime;
    if (!rt.activated || rt.isTerminal() || rt.cancelRequested) return true;
    const step = rt.redispatchReady(this.d.now());
    if (step.dispatch.length === 0) return true;
    if (step.changed) slot.gen++;
    this.d.stats.ready_tasks_repushed += step.dispatch.length;
    this.d.logger.warn(
      { workflowId: slot.id },
      `dispatching ${step.dispatch.length} ready task(s) found without a message in ${slot.id}: ${step.dispatch.map((d) => d.task).join(', ')}`,
    );
    if (!(await this.push(slot, step.dispatch))) return false;
    this.requestFlush(slot);
    return true;
  }

  private orCancel(slot: WorkflowSlot, cancelRequested: boolean): void {
    if (!cancelRequested || slot.runtime.cancelRequested || slot.runtime.isTerminal()) return;
    if (slot.runtime.requestCancel(this.d.now()).changed) slot.gen++;
  }

  /** An activate message admits the workflow only if admission says so; otherwise it is a no-op. */
  private admissionOf(slot: WorkflowSlot, m: IncomingMessage): WorkItem | Promise<WorkItem> {
    if (m.item.kind !== 'activate') return m.item;
    const rt = slot.runtime;
    if (rt.activated || rt.isTerminal()) return { kind: 'noop' };
    const item = m.item;
    const admitted = this.d.hooks.admit(slot.id, m.createdAt ?? rt.createdAt);
    const decide = (yes: boolean): WorkItem => (yes ? item : { kind: 'noop' });
    return admitted instanceof Promise ? admitted.then(decide) : decide(admitted);
  }

  private async push(slot: WorkflowSlot, dispatch: AppliedStep['dispatch']): Promise<boolean> {
    try {
      const gate = this.d.gate;
      const send = async (ready: readonly TaskDispatch[]) => {
        if (ready.length > 0) this.trace.mark('push start', { workflowId: slot.id, tasks: ready.length });
        await this.dispatcher.push(slot.runtime, ready);
        if (ready.length > 0) this.trace.mark('push done', { workflowId: slot.id, tasks: ready.length });
        gate?.pushed(slot.runtime, ready);
      };
      await send(gate ? await gate.admit(slot.runtime, dispatch, () => slot.gen++, send) : dispatch);
      return true;
    } catch (err) {
      this.d.logger.error(
        { err, workflowId: slot.id },
        'push failed; dropping in-memory progress (messages will be redelivered)',
      );
      this.abandon(slot, 'push failed');
      return false;
    }
  }

  /** Reload from storage and re-apply every held message (idempotent). False if the slot is gone. */
  private async reload(slot: WorkflowSlot & { epoch: number }, why: string): Promise<boolean> {
    const fresh = await this.loader.load(slot.id).catch((err: unknown) => {
      this.d.logger.warn({ err, workflowId: slot.id }, `reload after ${why} failed`);
      return undefined;
    });
    if (fresh === undefined) {
      this.abandon(slot, `reload after ${why} failed`);
      return false;
    }
    if (fresh === null) {
      this.d.logger.warn({ workflowId: slot.id }, `workflow ${slot.id} vanished mid-flush; dropping`);
      this.loader.forget(slot.id);
      this.dropOrphans(slot.id, slot.held);
      slot.held = [];
      this.retire(slot);
      return false;
    }
    this.cachedTasks += fresh.runtime.taskCount - slot.runtime.taskCount;
    Object.assign(slot, {
      runtime: fresh.runtime,
      etag: fresh.etag,
      gen: 0,
      durableGen: 0,
      epoch: slot.epoch + 1,
    });
    this.knownEtags.set(slot.id, fresh.etag);
    this.orCancel(slot, fresh.cancelRequested);
    const outputs = new BatchOutputs(this.d.backend.outputs);
    const dispatch: AppliedStep['dispatch'] = [];
    for (const h of slot.held) {
      const r = await applyItem(slot.runtime, h.item, outputs, this.d.stats, this.d.now);
      if (r.changed) slot.gen++;
      h.gen = slot.gen;
      dispatch.push(...r.dispatch);
    }
    return this.push(slot, dispatch);
  }

  private retire(slot: WorkflowSlot): void {
    slot.retired = true;
    if (this.slots.get(slot.id) === slot) {
      this.slots.delete(slot.id);
      this.cachedTasks -= slot.runtime.taskCount;
    }
    this.d.stats.cached_workflows = this.slots.size;
  }

  /** Give up on in-memory progress: messages stay un-acked and reappear after the visibility timeout. */
  private abandon(slot: WorkflowSlot, reason: string): void {
    if (slot.retired) return;
    if (slot.held.length)
      this.d.logger.warn(
        { workflowId: slot.id, messages: slot.held.length },
        `leaving messages un-acked for redelivery: ${reason}`,
      );
    slot.held = [];
    this.retire(slot);
  }

  /** Tasks of every workflow held in memory. */
  get taskCount(): number {
    return this.cachedTasks;
  }

  /**
   * Evict least-recently-used clean workflows while either cache bound (workflows, tasks) is exceeded.
   * Dirty ones are never evicted, so a burst may exceed the bounds until its flushes settle.
   */
  private evict(): void {
    const { cacheMaxWorkflows, cacheMaxTasks } = this.d.settings;
    const over = () => this.slots.size > cacheMaxWorkflows || this.cachedTasks > cacheMaxTasks;
    if (!over()) return;
    for (const slot of this.slots.values()) {
      if (!over()) break;
      if (isClean(slot) && !this.mutex.busy(slot.id)) this.retire(slot);
    }
  }

  // --- flush and ack -----------------------------------------------------------------------------

  private requestFlush(slot: WorkflowSlot & { epoch: number; flushErrors: number }): void {
    if (slot.flushing || slot.retired) return;
    // Start on the next macrotask: receives that resolve without I/O (memory queues, a backlog already
    // buffered) are applied first and share one flush, while real I/O never waits for it.
    slot.flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.flushLoop(slot))
      .catch((err: unknown) => {
        this.d.logger.error({ err, workflowId: slot.id }, 'flush loop failed');
        this.abandon(slot, 'flush loop failed');
      })
      .finally(() => {
        slot.flushing = null;
        if (slot.retired) return;
        if (!isClean(slot)) return this.requestFlush(slot);
        if (slot.runtime.isTerminal()) this.retire(slot);
        else this.evict();
      });
  }

  /** The runtime's state blob, recompressing only the chunks changed since its previous flush. */
  private encodeState(rt: Runtime): EncodedStateDoc {
    let encoder = this.encoders.get(rt);
    if (!encoder) this.encoders.set(rt, (encoder = new StateBlobEncoder()));
    return { encoded: true, workflowId: rt.workflowId, bytes: encoder.encode(rt.toStateText()) };
  }

  private async flushLoop(slot: WorkflowSlot & { epoch: number; flushErrors: number }): Promise<void> {
    for (;;) {
      this.ackCovered(slot);
      if (slot.retired || slot.gen <= slot.durableGen) return;
      // While reading, only the flushes that give the probe a delete run: once a delete waits for it
      // (or the speed is known), flushes wait too.
      if (this.flushHold && (this.acks.speedKnown || this.acks.backlog > 0)) {
        await this.flushHold.promise;
        continue;
      }
      if (!this.d.leaseHeld()) return this.abandon(slot, 'lease not held');
      const snap = await this.mutex.run(slot.id, (): Snapshot | null =>
        slot.retired
          ? null
          : {
              doc: this.encodeState(slot.runtime),
              gen: slot.gen,
              etag: slot.etag,
              epoch: slot.epoch,
              runtime: slot.runtime,
            },
      );
      if (!snap) return;
      if (!this.d.leaseHeld()) return this.abandon(slot, 'lease not held');
      const started = performance.now();
      const startedAt = Date.now();
      this.trace.mark('flush start', { workflowId: slot.id, gen: snap.gen, held: slot.held.length });
      try {
        const etag = await this.d.backend.state.saveState(snap.doc, snap.etag);
        this.trace.mark('flush done', { workflowId: slot.id, gen: snap.gen });
        this.d.stats.last_workflow_latency_s = (performance.now() - started) / 1000;
        this.d.observeFlush?.({
          workflowId: slot.id,
          prevEtag: snap.etag,
          etag,
          startedAt,
          seconds: this.d.stats.last_workflow_latency_s,
        });
        this.d.stats.flushes++;
        if (slot.epoch !== snap.epoch) continue;
        Object.assign(slot, { etag, durableGen: snap.gen, conflicts: 0, flushErrors: 0 });
        this.knownEtags.set(slot.id, etag);
        this.index.afterFlush(slot, snap.runtime, this.d.now());
        this.d.hooks.observed(slot.id, snap.runtime);
      } catch (err) {
        if (slot.epoch !== snap.epoch) continue;
        if (!(await this.onFlushError(slot, err))) return;
      }
    }
  }

  /** False when the loop must stop (gave up, slot gone). */
  private async onFlushError(
    slot: WorkflowSlot & { epoch: number; flushErrors: number },
    err: unknown,
  ): Promise<boolean> {
    if (isJobqError(err, 'StateConflictError')) {
      this.d.stats.flush_conflicts++;
      slot.conflicts++;
      const limit = Math.max(1, this.d.settings.flushRetryLimit);
      if (slot.conflicts >= limit) {
        this.d.logger.warn(
          { workflowId: slot.id },
          `flush conflict for ${slot.id} after ${slot.conflicts} attempts; deferring ack so messages are redelivered`,
        );
        this.abandon(slot, 'flush conflicts');
        return false;
      }
      this.d.logger.info(
        { workflowId: slot.id, attempt: slot.conflicts },
        'flush conflict; reloading and re-applying',
      );
      return this.mutex.run(slot.id, () => (slot.retired ? false : this.reload(slot, 'conflict')));
    }
    this.d.stats.flush_errors++;
    slot.flushErrors++;
    this.d.logger.warn({ err, workflowId: slot.id, attempt: slot.flushErrors }, 'flush failed');
    if (slot.flushErrors >= MAX_TRANSIENT_FLUSH_ERRORS) {
      this.abandon(slot, 'flush failed repeatedly');
      return false;
    }
    await new Promise((r) => setTimeout(r, 200 * 2 ** slot.flushErrors));
    return !slot.retired;
  }

  private ackCovered(slot: WorkflowSlot): void {
    if (slot.held.length === 0) return;
    const covered: HeldMessage[] = [];
    const rest: HeldMessage[] = [];
    for (const h of slot.held) (h.gen <= slot.durableGen ? covered : rest).push(h);
    if (covered.length === 0) return;
    slot.held = rest;
    if (covered.some((h) => h.item.kind === 'completion')) this.d.stats.workflows_advanced++;
    this.ack(deliverable(covered), covered.filter((h) => h.item.kind === 'completion').length);
  }

  /** Completions of unknown/deleted workflows: acked at once and counted (reference §5.4 d). */
  private dropOrphans(
    workflowId: string,
    entries: readonly { msg: ReceivedMessage; share?: SharedDelivery }[],
  ): void {
    if (entries.length === 0) return;
    this.d.logger.warn(
      { workflowId },
      `${entries.length} completion(s) for unknown workflow ${workflowId}; dropping`,
    );
    this.d.stats.orphan_completions += entries.length;
    this.ack(deliverable(entries), entries.length);
  }

  /** Delete messages concurrently with whatever the loop does next; never while the lease is in doubt. */
  ack(msgs: readonly ReceivedMessage[], completions: number): void {
    if (!this.d.leaseHeld() || msgs.length === 0) return;
    this.trace.mark('acked', { messages: msgs.length, backlog: this.acks.backlog });
    this.d.stats.completions_handled += completions;
    this.acks.push(msgs);
  }
}
