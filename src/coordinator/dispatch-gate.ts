/**
 * The one hook between the engine's dispatches and the queues for the jobq extensions (DECISIONS
 * §4.17): cacheable tasks are looked up and completed in place on a hit (their children follow in the
 * same pass), locked tasks are pushed only once they hold their mutex or semaphore slot (otherwise they
 * go back to READY as lock waiters, coordinator/locks.ts). Workflows
 * without extensions pass straight through.
 */
import type { CompletionInput, Runtime, TaskDispatch } from '../engine/api.js';
import type { OutputStore } from '../ports/output-store.js';
import type { CoordinatorStats } from './stats.js';
import { settleStep } from './apply.js';
import { BatchOutputs } from './outputs.js';
import type { TaskMemo } from './task-cache.js';
import { mapBounded } from '../concurrency.js';

/** Cache lookups in flight at once per dispatch pass (each is one blob read). */
const LOOKUP_CONCURRENCY = 16;

/** What the lock keeper does with a dispatch of a locked task. */
export interface LockGate {
  /**
   * 'push' when the task may be pushed now (it holds its lock, or takes none); 'wait' when it was
   * queued; 'sent' when this very attempt's message already went out under its hold (a state that was
   * not flushed before a crash or a flush conflict): it runs, and must not be pushed twice.
   */
  admit(rt: Runtime, d: TaskDispatch): Promise<'push' | 'wait' | 'sent'>;
  /** A task's attempt may have ended (completion applied, timeout, cancel): release or drop what it held. */
  settled(rt: Runtime, tasks: readonly string[]): void;
  /** After a push: holds whose message went out. */
  pushed(rt: Runtime, dispatched: readonly TaskDispatch[]): void;
}

export class DispatchGate {
  constructor(
    private readonly memo: TaskMemo,
    private readonly locks: LockGate | null,
    private readonly outputs: OutputStore,
    private readonly stats: CoordinatorStats,
    private readonly now: () => number,
  ) {}

  /**
   * The dispatches to push now. `changed` is called when a cache hit changed the runtime. Lookups run
   * in waves, up to LOOKUP_CONCURRENCY at once (a re-run of 1,000 cached tasks is 1,000 reads): the
   * hits of one wave complete in order, and the children they make ready form the next wave. With
   * `pushEarly`, what a wave admitted is pushed before the next wave is looked up, so a changed task
   * of a mostly cached re-run starts at once instead of after every hit below its cached siblings.
   */
  async admit(
    rt: Runtime,
    dispatch: readonly TaskDispatch[],
    changed: () => void,
    pushEarly?: (admitted: readonly TaskDispatch[]) => Promise<void>,
  ): Promise<readonly TaskDispatch[]> {
    if (rt.extension?.tasks === undefined || dispatch.length === 0) return dispatch;
    const out: TaskDispatch[] = [];
    for (let wave = dispatch; wave.length > 0;) {
      const hits = await mapBounded(wave, LOOKUP_CONCURRENCY, (d) =>
        rt.taskExtension(d.task)?.cache ? this.memo.lookup(rt, d) : Promise.resolve(null),
      );
      const next: TaskDispatch[] = [];
      for (let i = 0; i < wave.length; i++) {
        const d = wave[i];
        const hit = hits[i];
        if (hit) {
          const step = rt.completeFromCache(d.task, d.attemptNo, hit.outputRef, hit.source, this.now());
          const r = await settleStep(rt, step, new BatchOutputs(this.outputs), this.stats, this.now);
          if (r.changed) changed();
          next.push(...r.dispatch);
          continue;
        }
        const ext = rt.taskExtension(d.task);
        const verdict = this.locks && (ext?.mutex || ext?.semaphore) ? await this.locks.admit(rt, d) : 'push';
        // This attempt's message is out already (state not flushed before a crash): never send it twice.
        if (verdict === 'sent') continue;
        if (verdict === 'wait') {
          // Back to READY until the lock is granted; its max_parallelism slot goes to other ready tasks.
          const step = rt.deferForLock(d.task, d.attemptNo, this.now());
          const r = await settleStep(rt, step, new BatchOutputs(this.outputs), this.stats, this.now);
          if (r.changed) changed();
          next.push(...r.dispatch);
          continue;
        }
        out.push(d);
      }
      wave = next;
      if (pushEarly && wave.length > 0 && out.length > 0) await pushEarly(out.splice(0));
    }
    return out;
  }

  /** After completions were applied: record cache entries, end lock holds. */
  completed(rt: Runtime, completions: readonly CompletionInput[]): void {
    if (rt.extension?.tasks === undefined || completions.length === 0) return;
    const locked: string[] = [];
    for (const c of completions) {
      const ext = rt.taskExtension(c.task);
      if (ext === null) continue;
      if (ext.cache && c.success) this.memo.record(rt, c.task, c.attemptNo ?? rt.taskAttempt(c.task));
      if (ext.mutex || ext.semaphore) locked.push(c.task);
    }
    if (locked.length) this.locks?.settled(rt, locked);
  }

  /** After any other mutation (timeout, cancel, retry): lock holds of tasks that ended. */
  mutated(rt: Runtime): void {
    if (rt.extension?.tasks === undefined || !this.locks) return;
    const locked = Object.entries(rt.extension.tasks)
      .filter(([, e]) => e.mutex || e.semaphore)
      .map(([t]) => t);
    if (locked.length) this.locks.settled(rt, locked);
  }

  /** After a successful push. */
  pushed(rt: Runtime, dispatched: readonly TaskDispatch[]): void {
    if (rt.extension?.tasks === undefined || dispatched.length === 0 || !this.locks) return;
    this.locks.pushed(rt, dispatched);
  }
}
