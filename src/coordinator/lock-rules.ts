/**
 * The pure rules of the lock keeper (coordinator/locks.ts): lock keys, FIFO order of waiters, and
 * whether a hold or a waiter still belongs to a live task attempt. No I/O: unit-tested on their own.
 */
import type { Runtime } from '../engine/api.js';
import type { LockHold, LockOwner, LockWait } from '../ports/lock-store.js';

/** A task's lock as the definition names it. */
export interface TaskLock {
  kind: 'mutex' | 'semaphore';
  name: string;
}

/** Store key of a lock: a mutex and a semaphore of the same name are different locks. */
export function lockKey(lock: TaskLock): string {
  return `${lock.kind}.${lock.name}`;
}

/** The lock a store key names. */
export function lockOfKey(key: string): TaskLock {
  const cut = key.indexOf('.');
  const kind = key.slice(0, cut);
  return { kind: kind === 'mutex' ? 'mutex' : 'semaphore', name: key.slice(cut + 1) };
}

export const sameTask = (
  a: Pick<LockOwner, 'workflowId' | 'task'>,
  b: Pick<LockOwner, 'workflowId' | 'task'>,
): boolean => a.workflowId === b.workflowId && a.task === b.task;

/** FIFO order of waiters: the time they started waiting, then workflow and task (stable across restarts). */
export function compareWaiters(a: LockWait, b: LockWait): number {
  return (
    a.readyAtMs - b.readyAtMs ||
    a.owner.workflowId.localeCompare(b.owner.workflowId) ||
    a.owner.task.localeCompare(b.owner.task)
  );
}

/** Insert or replace the waiter of `w`'s task, keeping `list` in FIFO order. */
export function insertWaiter(list: LockWait[], w: LockWait): void {
  const at = list.findIndex((x) => sameTask(x.owner, w.owner));
  if (at >= 0) list.splice(at, 1);
  let i = list.length;
  while (i > 0 && compareWaiters(list[i - 1], w) > 0) i--;
  list.splice(i, 0, w);
}

/**
 * What to do with a hold, judged from its workflow's runtime:
 * `keep` (its attempt runs, or was granted and waits for a max_parallelism slot), `deliver` (granted
 * but the task still waits: the grant never reached its workflow's state), or why it is dead: the task `ended`, a newer
 * attempt `superseded` it, or the task is `gone` (workflow purged or task unknown).
 */
export type HoldVerdict = 'keep' | 'deliver' | 'ended' | 'superseded' | 'gone';

export function holdVerdict(rt: Runtime, hold: LockHold): HoldVerdict {
  const { task, attempt } = hold.owner;
  if (!rt.hasTask(task)) return 'gone';
  const state = rt.taskState(task);
  const now = rt.taskAttempt(task);
  if (state === 'running') return now === attempt || !hold.pushed ? 'keep' : 'superseded';
  if (state === 'ready' || state === 'ready_pending_budget') {
    // Granted (its message maybe already sent) but the workflow's state was not flushed: hand it over.
    if (rt.lockWaitSince(task) !== null) return 'deliver';
    // Granted and about to be dispatched (the next attempt), or a grant not yet sent.
    return now + 1 === attempt || !hold.pushed ? 'keep' : 'superseded';
  }
  return 'ended';
}

/** Whether a waiter record still belongs to a task that may yet ask for the lock. */
export function waiterAlive(rt: Runtime, w: LockWait): boolean {
  if (!rt.hasTask(w.owner.task)) return false;
  const state = rt.taskState(w.owner.task);
  return state === 'ready' || state === 'ready_pending_budget' || state === 'running';
}

/** One line for `status`/`explain`: what a waiting task waits for and who holds it. */
export function describeLockWait(lock: TaskLock, limit: number | null, holds: readonly LockHold[]): string {
  const holders = holds.map((h) => `${h.owner.workflowId}/${h.owner.task}`);
  if (lock.kind === 'mutex')
    return `waiting for mutex ${lock.name}${holders.length ? ` (held by ${holders[0]})` : ''}`;
  const list = holders.length ? `: ${holders.join(', ')}` : '';
  if (limit === null) return `waiting for semaphore ${lock.name} (${holds.length} held${list})`;
  if (limit === 0) return `waiting for semaphore ${lock.name} (no limit configured for it)`;
  return `waiting for semaphore ${lock.name} (${holds.length} of ${limit} held${list})`;
}
