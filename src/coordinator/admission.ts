/**
 * Admission (DECISIONS §4.2): workflows are admitted in FIFO order of `created_at` under
 * `maxRunningWorkflows` (null = unlimited). The running set is seeded from the index at start and then
 * kept in memory from what the coordinator itself loads and flushes. The coordinator starts its main
 * loop before the seed has been read (`expectSeed`): completions of running workflows need no
 * admission, and every admission decision waits for the seed (and asks for it to be read).
 */
import type { Logger } from '../log.js';
import type { Runtime } from '../engine/api.js';
import type { CoordinatorStats } from './stats.js';

/** Performs an admission: activate the workflow under its mutex; resolves to its runtime, or null if it is gone. */
export type Activate = (workflowId: string) => Promise<Runtime | null>;

export class Admission {
  private readonly running = new Set<string>();
  /** Waiting workflows → created_at. */
  private readonly waiting = new Map<string, string>();
  private pumping = false;
  /** Settles when the running set has been seeded; null while no seed is awaited. */
  private seedPending: { promise: Promise<void>; resolve: () => void } | null = null;
  private seedNeeded: (() => void) | null = null;

  constructor(
    private readonly max: number | null,
    private readonly stats: CoordinatorStats,
    private readonly logger: Logger,
    private readonly activate: Activate,
  ) {}

  /**
   * The running set is about to be seeded: hold every admission decision until `seedRunning`.
   * `needed` is called when a decision waits for the seed (so the caller may read it then).
   */
  expectSeed(needed?: () => void): void {
    this.seedNeeded = needed ?? null;
    if (this.seedPending) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.seedPending = { promise, resolve };
  }

  /** Workflows counted as running (admitted, not terminal); releases the decisions held for the seed. */
  seedRunning(ids: Iterable<string>): void {
    for (const id of ids) this.running.add(id);
    this.publish();
    const pending = this.seedPending;
    this.seedPending = null;
    this.seedNeeded = null;
    pending?.resolve();
    this.pump();
  }

  /** True when no workflow is admitted or waiting: nothing this coordinator knows of can be cancelled. */
  idle(): boolean {
    return this.seedPending === null && this.running.size === 0 && this.waiting.size === 0;
  }

  isKnown(workflowId: string): boolean {
    return this.running.has(workflowId) || this.waiting.has(workflowId);
  }

  /**
   * Called under the workflow's mutex for an `activate` item: true if it may be activated right now
   * (capacity and no earlier waiter), else it is queued and false. Before the seed: once it is read.
   */
  admit(workflowId: string, createdAt: string): boolean | Promise<boolean> {
    if (this.running.has(workflowId)) return true;
    if (this.seedPending) {
      this.seedNeeded?.();
      return this.seedPending.promise.then(() => this.admit(workflowId, createdAt));
    }
    this.waiting.set(workflowId, createdAt);
    if (this.hasCapacity() && this.head() === workflowId) {
      this.take(workflowId);
      return true;
    }
    this.publish();
    this.pump();
    return false;
  }

  /** Queue a workflow found `pending` by the activation sweep (its message may have been lost). */
  offer(workflowId: string, createdAt: string): void {
    if (this.isKnown(workflowId)) return;
    this.waiting.set(workflowId, createdAt);
    this.publish();
    this.pump();
  }

  /** The coordinator saw this runtime (loaded or flushed): keep the running set true. */
  observed(workflowId: string, rt: Runtime): void {
    if (rt.isTerminal()) {
      const freed = this.running.delete(workflowId);
      const unqueued = this.waiting.delete(workflowId);
      if (freed || unqueued) {
        this.publish();
        this.pump();
      }
    } else if (rt.activated && !this.running.has(workflowId)) {
      this.waiting.delete(workflowId);
      this.running.add(workflowId);
      this.publish();
    }
  }

  private hasCapacity(): boolean {
    return this.max === null || this.running.size < this.max;
  }

  /** Earliest waiter by (created_at, id). */
  private head(): string | null {
    let best: [string, string] | null = null;
    for (const [id, at] of this.waiting) {
      if (!best || at < best[1] || (at === best[1] && id < best[0])) best = [id, at];
    }
    return best ? best[0] : null;
  }

  private take(workflowId: string): void {
    this.waiting.delete(workflowId);
    this.running.add(workflowId);
    this.stats.admissions++;
    this.publish();
  }

  /** Admit waiters while there is capacity (asynchronous: each admission runs under its workflow mutex). */
  private pump(): void {
    if (this.pumping || this.seedPending) return;
    this.pumping = true;
    void (async () => {
      try {
        for (let id = this.head(); id !== null && this.hasCapacity(); id = this.head()) {
          this.take(id);
          const rt = await this.activate(id).catch((err: unknown) => {
            this.logger.warn(
              { err, workflowId: id },
              'admission failed; will retry on the next activation sweep',
            );
            return undefined;
          });
          if (rt === undefined || rt === null || rt.isTerminal()) this.running.delete(id);
          this.publish();
        }
      } finally {
        this.pumping = false;
      }
    })();
  }

  private publish(): void {
    this.stats.running_workflows = this.running.size;
    this.stats.admission_waiting = this.waiting.size;
  }
}
