/**
 * Mutexes and semaphores across every workflow of a prefix (jobq extension, DECISIONS §4.17). The
 * keeper sits behind the DispatchGate: a dispatched task that takes a lock is pushed only once it holds
 * a slot (a create-only record in the LockStore, so no slot is ever granted twice); otherwise it is
 * recorded as a waiter and goes back to READY (`Runtime.deferForLock`, a jobq-only key in the state
 * blob). Grants are FIFO by the time each task started waiting, across workflows. A hold ends when its
 * task's attempt ends in any way; the next waiter — of any workflow, loaded on demand — is then granted
 * (`Runtime.grantLock`) and pushed through the normal dispatch path, which flushes its workflow.
 *
 * Durability: every decision is written to the store before the state that depends on it is flushed,
 * so a restarted coordinator or a standby rebuilds holds and waiters from the store (`start`), delivers
 * grants whose message was never sent (`pushed: false`), and a periodic sweep re-reads the store
 * (releases made by `purge`), drops holds and waiters whose task or workflow has gone, and grants what
 * became free.
 *
 * Lock order: a workflow's mutex may be held while a lock's queue is entered (admit), never the reverse:
 * grants and the sweep leave the lock's queue before they touch a workflow.
 */
import type { Logger } from '../log.js';
import type { Runtime, StepResult, TaskDispatch } from '../engine/api.js';
import type { LockHold, LockOwner, LockStore, LockWait } from '../ports/lock-store.js';
import { taskLockOf } from '../model/extensions.js';
import type { CoordinatorStats } from './stats.js';
import type { LockGate } from './dispatch-gate.js';
import { KeyedMutex, Waker } from './concurrency.js';
import {
  holdVerdict,
  insertWaiter,
  lockKey,
  lockOfKey,
  sameTask,
  waiterAlive,
  type HoldVerdict,
  type TaskLock,
} from './lock-rules.js';

/** How often holds and waiters are re-read from the store and checked against their workflows. */
export const LOCK_SWEEP_INTERVAL_MS = 5_000;
/** Every this many sweeps, waiter records are re-read and checked too (holds are, every sweep). */
export const WAITER_CHECK_EVERY_SWEEPS = 12;
/** The sweep's pace while the prefix has no lock record at all (one blob listing per tick). */
export const IDLE_LOCK_SWEEP_INTERVAL_MS = 30_000;

/** The workflow-table operations the keeper needs (it never touches a runtime outside its mutex). */
export interface LockKeeperTable {
  mutate(
    workflowId: string,
    fn: (rt: Runtime, now: number) => StepResult | null,
  ): Promise<{ step: StepResult; runtime: Runtime } | null>;
  inspect<T>(workflowId: string, fn: (rt: Runtime) => T): Promise<T | null>;
}

export interface LockKeeperDeps {
  store: LockStore;
  /** Semaphore limits (`coordinator.semaphores`, `--semaphore NAME=N`). A mutex has limit 1. */
  semaphores: Readonly<Record<string, number>>;
  table: () => LockKeeperTable;
  stats: CoordinatorStats;
  logger: Logger;
  now(): number;
  leaseHeld(): boolean;
  sweepIntervalMs?: number;
}

/** What the keeper knows of one lock (the store is the truth; this is its cache). */
interface LockView {
  holds: LockHold[];
  waiters: LockWait[];
}

const ownerId = (o: Pick<LockOwner, 'workflowId' | 'task'>) => `${o.workflowId}\n${o.task}`;

export class LockKeeper implements LockGate {
  private readonly serial = new KeyedMutex();
  private readonly views = new Map<string, Promise<LockView>>();
  /** Holds granted to a waiter whose workflow has not applied the grant yet (exempt from checks). */
  private readonly granting = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly warnedLimits = new Set<string>();
  private readonly waker = new Waker();
  private sweeping: Promise<void> | null = null;
  private stopping = false;
  /** Locks seen by the last sweep (0: the sweep slows to its idle pace). */
  private lastSweepLocks = 0;
  private sweeps = 0;

  constructor(private readonly d: LockKeeperDeps) {}

  /** Limit of a lock: 1 for a mutex, the configured limit of a semaphore (0 when none: it waits). */
  limitOf(lock: TaskLock): number {
    if (lock.kind === 'mutex') return 1;
    const n = this.d.semaphores[lock.name];
    if (n === undefined && !this.warnedLimits.has(lock.name)) {
      this.warnedLimits.add(lock.name);
      this.d.logger.warn(
        { semaphore: lock.name },
        `semaphore '${lock.name}' has no limit configured on this coordinator (coordinator.semaphores or --semaphore ${lock.name}=N); its tasks wait`,
      );
    }
    return n ?? 0;
  }

  private view(key: string): Promise<LockView> {
    let v = this.views.get(key);
    if (!v) {
      v = Promise.all([this.d.store.holds(key), this.d.store.waiters(key)]).then(([holds, waiters]) => ({
        holds,
        waiters,
      }));
      this.views.set(key, v);
      v.catch(() => this.views.delete(key));
    }
    return v;
  }

  private track<T>(p: Promise<T>): void {
    const q = p.catch((err: unknown) => this.d.logger.error({ err }, 'lock keeper: operation failed'));
    this.background.add(q);
    void q.finally(() => this.background.delete(q));
  }

  // --- LockGate ----------------------------------------------------------------------------------

  admit(rt: Runtime, dispatch: TaskDispatch): Promise<'push' | 'wait' | 'sent'> {
    const lock = taskLockOf(rt.taskExtension(dispatch.task));
    if (!lock) return Promise.resolve('push');
    const key = lockKey(lock);
    const owner: LockOwner = { workflowId: rt.workflowId, task: dispatch.task, attempt: dispatch.attemptNo };
    const log = { workflowId: owner.workflowId, task: owner.task, attempt: owner.attempt, lock: key };
    if (this.lastSweepLocks === 0) {
      // The first lock in a while: sweep at the busy pace from now on (the next sweep counts it).
      this.lastSweepLocks = 1;
      this.waker.wake();
    }
    return this.serial.run(key, async () => {
      const v = await this.view(key);
      const mine = v.holds.find((h) => sameTask(h.owner, owner));
      if (mine) {
        this.granting.delete(ownerId(owner));
        // This attempt's message went out already (state not flushed before a crash): do not send it twice.
        if (mine.pushed && mine.owner.attempt === owner.attempt) return 'sent';
        // A grant not sent yet belongs to whichever attempt is now dispatched; a sent one to its own.
        if (!mine.pushed) {
          mine.owner = owner;
          return 'push';
        }
        await this.dropHold(key, v, mine, 'superseded by a newer attempt');
      }
      const limit = this.limitOf(lock);
      const at = v.waiters.findIndex((w) => sameTask(w.owner, owner));
      const ahead = at < 0 ? v.waiters.length : at;
      if (v.holds.length < limit && ahead === 0) {
        const hold = await this.d.store.acquire(key, limit, owner, this.d.now());
        if (hold && sameTask(hold.owner, owner)) {
          v.holds.push(hold);
          if (at >= 0) {
            v.waiters.splice(at, 1);
            await this.d.store.removeWaiter(key, owner);
          }
          this.d.stats.lock_grants++;
          this.d.logger.debug(log, `lock ${key}: slot ${hold.slot} granted`);
          return 'push';
        }
        v.holds = await this.d.store.holds(key);
      }
      const wait = await this.d.store.addWaiter({
        lock: key,
        owner,
        readyAtMs: rt.lockWaitSince(dispatch.task) ?? v.waiters[at]?.readyAtMs ?? this.d.now(),
      });
      insertWaiter(v.waiters, wait);
      this.d.stats.lock_waits++;
      this.d.logger.debug(log, `lock ${key}: waiting (${v.holds.length}/${limit} held, ${ahead} ahead)`);
      if (v.holds.length < limit) this.schedule(key);
      return 'wait';
    });
  }

  pushed(rt: Runtime, dispatched: readonly TaskDispatch[]): void {
    for (const d of dispatched) {
      const lock = taskLockOf(rt.taskExtension(d.task));
      if (!lock) continue;
      const key = lockKey(lock);
      this.track(
        this.serial.run(key, async () => {
          const v = await this.view(key);
          const hold = v.holds.find(
            (h) => h.owner.workflowId === rt.workflowId && h.owner.task === d.task && !h.pushed,
          );
          if (!hold || hold.owner.attempt !== d.attemptNo) return;
          hold.pushed = true;
          await this.d.store.markPushed(hold);
        }),
      );
    }
  }

  settled(rt: Runtime, tasks: readonly string[]): void {
    const keys = new Set<string>();
    for (const task of tasks) {
      const lock = taskLockOf(rt.taskExtension(task));
      if (lock) keys.add(lockKey(lock));
    }
    for (const key of keys) this.track(this.settleLock(key, rt));
  }

  /** Drop the holds and waiters of `rt` on `key` whose task has moved on, then grant what is free. */
  private async settleLock(key: string, rt: Runtime): Promise<void> {
    let freed = false;
    await this.serial.run(key, async () => {
      const v = await this.view(key);
      for (const h of [...v.holds]) {
        if (h.owner.workflowId !== rt.workflowId || this.granting.has(ownerId(h.owner))) continue;
        const verdict = holdVerdict(rt, h);
        if (verdict === 'keep' || verdict === 'deliver') continue;
        await this.dropHold(key, v, h, verdict);
        freed = true;
      }
      for (const w of [...v.waiters]) {
        if (w.owner.workflowId !== rt.workflowId || waiterAlive(rt, w)) continue;
        await this.dropWaiter(key, v, w);
        freed = true;
      }
    });
    if (freed) this.schedule(key);
  }

  // --- grants ------------------------------------------------------------------------------------

  /** Grant free slots of `key` to its waiters, head first (in the background). */
  private schedule(key: string): void {
    if (!this.stopping) this.track(this.grant(key));
  }

  private async grant(key: string): Promise<void> {
    const grants = await this.serial.run(key, async () => {
      const v = await this.view(key);
      const limit = this.limitOf(lockOfKey(key));
      const out: LockHold[] = [];
      while (v.holds.length < limit && v.waiters.length > 0 && this.d.leaseHeld()) {
        const w = v.waiters[0];
        const hold = await this.d.store.acquire(key, limit, w.owner, this.d.now());
        if (!hold) {
          v.holds = await this.d.store.holds(key);
          continue;
        }
        v.waiters.shift();
        await this.d.store.removeWaiter(key, w.owner);
        if (!v.holds.some((h) => h.slot === hold.slot)) v.holds.push(hold);
        this.granting.add(ownerId(hold.owner));
        this.d.stats.lock_grants++;
        out.push(hold);
      }
      return out;
    });
    for (const hold of grants) this.track(this.deliver(key, hold));
  }

  /**
   * Hand a grant to its task: load its workflow (any workflow of the prefix), dispatch the task and push
   * it (the table's push path admits it as the holder and flushes the workflow). A grant the task can
   * no longer use (workflow gone, task cancelled meanwhile) is released and the next waiter served.
   */
  private async deliver(key: string, hold: LockHold): Promise<void> {
    const { workflowId, task } = hold.owner;
    const table = this.d.table();
    let verdict: HoldVerdict;
    try {
      const r = await table.mutate(workflowId, (rt, now) =>
        rt.hasTask(task) && rt.lockWaitSince(task) !== null ? rt.grantLock(task, now) : null,
      );
      verdict = r
        ? holdVerdict(r.runtime, hold)
        : ((await table.inspect(workflowId, (rt) => holdVerdict(rt, hold))) ?? 'gone');
    } finally {
      this.granting.delete(ownerId(hold.owner));
    }
    this.d.logger.info(
      { workflowId, task, lock: key, slot: hold.slot },
      `lock ${key}: granted to ${workflowId}/${task}`,
    );
    if (verdict === 'keep') {
      if (!hold.pushed) await this.markPushedIfRunning(key, hold);
      return;
    }
    if (verdict === 'deliver') return;
    await this.serial.run(key, async () => {
      const v = await this.view(key);
      const h = v.holds.find((x) => x.slot === hold.slot && sameTask(x.owner, hold.owner));
      if (h) await this.dropHold(key, v, h, verdict);
    });
    this.schedule(key);
  }

  /** A repaired grant whose task is already RUNNING at its attempt: its message went out before the crash. */
  private async markPushedIfRunning(key: string, hold: LockHold): Promise<void> {
    const running = await this.d
      .table()
      .inspect(hold.owner.workflowId, (rt) => rt.taskState(hold.owner.task) === 'running');
    if (!running) return;
    await this.serial.run(key, async () => {
      const v = await this.view(key);
      const h = v.holds.find((x) => x.slot === hold.slot && sameTask(x.owner, hold.owner));
      if (!h || h.pushed) return;
      h.pushed = true;
      await this.d.store.markPushed(h);
    });
  }

  private async dropHold(key: string, v: LockView, h: LockHold, why: string): Promise<void> {
    await this.d.store.release(key, h.owner);
    const i = v.holds.indexOf(h);
    if (i >= 0) v.holds.splice(i, 1);
    this.d.stats.lock_releases++;
    this.d.logger.debug(
      { workflowId: h.owner.workflowId, task: h.owner.task, attempt: h.owner.attempt, lock: key },
      `lock ${key}: slot ${h.slot} released (${why})`,
    );
  }

  private async dropWaiter(key: string, v: LockView, w: LockWait): Promise<void> {
    await this.d.store.removeWaiter(key, w.owner);
    const i = v.waiters.indexOf(w);
    if (i >= 0) v.waiters.splice(i, 1);
  }

  // --- start-up, sweep, shutdown -----------------------------------------------------------------

  /** Rebuild from the store (after the lease is taken), deliver unsent grants, then sweep periodically. */
  async start(): Promise<void> {
    await this.sweep().catch((err: unknown) =>
      this.d.logger.warn({ err }, 'lock rebuild failed; the sweep retries'),
    );
    if (!this.stopping) this.sweeping = this.sweepLoop();
  }

  private async sweepLoop(): Promise<void> {
    const busy = this.d.sweepIntervalMs ?? LOCK_SWEEP_INTERVAL_MS;
    while (!this.stopping) {
      // Idle: nothing to release or grant unless a locked task shows up, and its admit wakes the sweep.
      await this.waker.sleep(this.lastSweepLocks > 0 ? busy : Math.max(busy, IDLE_LOCK_SWEEP_INTERVAL_MS));
      if (this.stopping) break;
      if (!this.d.leaseHeld()) continue;
      await this.sweep().catch((err: unknown) => this.d.logger.warn({ err }, 'lock sweep failed'));
    }
  }

  /**
   * Re-read every lock from the store (the truth: a purge deletes records directly), check each hold and
   * waiter against its workflow, release what is dead, deliver grants never sent, grant what is free.
   */
  async sweep(): Promise<void> {
    const keys = new Set([...(await this.d.store.locks()), ...this.views.keys()]);
    this.lastSweepLocks = keys.size;
    // Holds are few (at most the limits) and a purge frees them: every sweep. Waiters may be thousands
    // and a dead one is also dropped when it reaches the head of its queue: re-read them less often.
    const checkWaiters = this.sweeps++ % WAITER_CHECK_EVERY_SWEEPS === 0;
    for (const key of keys) {
      if (this.stopping) return;
      const snap = await this.serial.run(key, async () => {
        const known = this.views.has(key) ? await this.view(key).catch(() => null) : null;
        const [holds, waiters] = await Promise.all([
          this.d.store.holds(key),
          checkWaiters || !known ? this.d.store.waiters(key) : Promise.resolve(known.waiters),
        ]);
        const v: LockView = { holds, waiters };
        this.views.set(key, Promise.resolve(v));
        return { holds: [...holds], waiters: checkWaiters ? [...waiters] : [] };
      });
      const table = this.d.table();
      for (const h of snap.holds) {
        if (this.granting.has(ownerId(h.owner))) continue;
        const verdict = (await table.inspect(h.owner.workflowId, (rt) => holdVerdict(rt, h))) ?? 'gone';
        if (verdict === 'keep') continue;
        if (verdict === 'deliver') {
          this.granting.add(ownerId(h.owner));
          this.track(this.deliver(key, h));
          continue;
        }
        await this.serial.run(key, async () => {
          const v = await this.view(key);
          const cur = v.holds.find((x) => x.slot === h.slot && sameTask(x.owner, h.owner));
          if (cur && !this.granting.has(ownerId(cur.owner))) await this.dropHold(key, v, cur, verdict);
        });
      }
      for (const w of snap.waiters) {
        const alive = await table.inspect(w.owner.workflowId, (rt) => waiterAlive(rt, w));
        if (alive) continue;
        await this.serial.run(key, async () => {
          const v = await this.view(key);
          const cur = v.waiters.find((x) => sameTask(x.owner, w.owner));
          if (cur) await this.dropWaiter(key, v, cur);
        });
      }
      this.schedule(key);
    }
  }

  /** Forget the cached views (lease lost and regained: another coordinator may have written). */
  reset(): void {
    this.views.clear();
  }

  /** Stop the sweep and wait for every store write in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.waker.wake();
    await this.sweeping;
    await this.drain();
  }

  /** Wait until no keeper operation is in flight. */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }
}
