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

/** What the lock keeper does with a dispatch of a locked task. */
export interface LockGate {
  /** 'push' when the task may be pushed now (it holds its lock, or takes none); 'wait' when it was queued. */
  admit(rt: Runtime, d: TaskDispatch): Promise<'push' | 'wait'>;
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

  /** The dispatches to push now. `changed` is called when a cache hit changed the runtime. */
  async admit(
    rt: Runtime,
    dispatch: readonly TaskDispatch[],
    changed: () => void,
  ): Promise<readonly TaskDispatch[]> {
    if (rt.extension?.tasks === undefined || dispatch.length === 0) return dispatch;
    const out: TaskDispatch[] = [];
    const work = [...dispatch];
    for (let d = work.shift(); d !== undefined; d = work.shift()) {
      const ext = rt.taskExtension(d.task);
      if (ext === null) {
        out.push(d);
        continue;
      }
      if (ext.cache) {
        const hit = await this.memo.lookup(rt, d);
        if (hit) {
          const step = rt.completeFromCache(d.task, d.attemptNo, hit.outputRef, hit.source, this.now());
          const r = await settleStep(rt, step, new BatchOutputs(this.outputs), this.stats, this.now);
          if (r.changed) changed();
          work.push(...r.dispatch);
          continue;
        }
      }
      if (this.locks && (ext.mutex || ext.semaphore) && (await this.locks.admit(rt, d)) === 'wait') {
        // Back to READY until the lock is granted; its max_parallelism slot goes to other ready tasks.
        const step = rt.deferForLock(d.task, d.attemptNo, this.now());
        const r = await settleStep(rt, step, new BatchOutputs(this.outputs), this.stats, this.now);
        if (r.changed) changed();
        work.push(...r.dispatch);
        continue;
      }
      out.push(d);
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
