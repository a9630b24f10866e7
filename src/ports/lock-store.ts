/**
 * Durable mutex and semaphore holds across workflows (jobq extension, DECISIONS §4.17). A lock of
 * limit N has slots 0..N-1; a hold is a create-only record in one slot, so no slot can be granted
 * twice — not by a restarted coordinator, not by a standby that takes over, not by two coordinators
 * racing. Waiters are records too, ordered by the time their task became ready, so the FIFO order
 * survives a restart. Only the coordinator writes; `status`/`explain` read.
 */

/** The task attempt a hold or a wait belongs to. */
export interface LockOwner {
  workflowId: string;
  task: string;
  attempt: number;
}

export interface LockHold {
  lock: string;
  slot: number;
  owner: LockOwner;
  /** ISO-8601 UTC. */
  acquiredAt: string;
  /** False until the task's message was sent (a crash in between is repaired on restart). */
  pushed: boolean;
}

export interface LockWait {
  lock: string;
  owner: LockOwner;
  /** Epoch ms the task became ready (FIFO order). */
  readyAtMs: number;
}

export interface LockStore {
  /** Holds of one lock, by slot. */
  holds(lock: string): Promise<LockHold[]>;
  /**
   * Take a free slot below `limit` for `owner` (create-only). Returns the hold, the owner's existing
   * hold (idempotent), or null when every slot below `limit` is held.
   */
  acquire(lock: string, limit: number, owner: LockOwner, nowMs: number): Promise<LockHold | null>;
  /** Record that the held task's message was sent. */
  markPushed(hold: LockHold): Promise<void>;
  /** Drop the hold of `owner` (any attempt ≤ owner.attempt of that workflow/task). True if one existed. */
  release(lock: string, owner: LockOwner): Promise<boolean>;
  /** Record a waiter (idempotent per workflow/task: a newer attempt replaces the record, keeping its place). */
  addWaiter(wait: LockWait): Promise<LockWait>;
  /** Drop the waiter of a workflow/task. */
  removeWaiter(lock: string, owner: Pick<LockOwner, 'workflowId' | 'task'>): Promise<void>;
  /** Waiters of one lock, FIFO (ready time, then workflow/task). */
  waiters(lock: string): Promise<LockWait[]>;
  /** Every lock name that has a hold or a waiter. */
  locks(): Promise<string[]>;
}

/** `<workflow>/<task>` for messages (`held by …`). */
export function formatLockOwner(o: Pick<LockOwner, 'workflowId' | 'task'>): string {
  return `${o.workflowId}/${o.task}`;
}
