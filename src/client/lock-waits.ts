/**
 * What locked tasks wait for (issue 19), for `status`, `tasks`, `explain` and the dashboard: a task the
 * coordinator parked behind its mutex/semaphore is READY with a jobq-only key in the state blob; the
 * holders come from the lock store.
 */
import type { Runtime } from '../engine/api.js';
import type { LockHold, LockStore } from '../ports/lock-store.js';
import { taskLockOf } from '../model/extensions.js';
import { describeLockWait, lockKey } from '../coordinator/lock-rules.js';

/** task → `waiting for mutex NAME (held by <wf>/<task>)` / `waiting for semaphore NAME (N of M held: …)`. */
export async function lockWaitsOf(
  rt: Runtime,
  store: LockStore,
  semaphores: Readonly<Record<string, number>> | undefined,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const waiting = rt.lockWaitingTasks();
  if (waiting.length === 0) return out;
  const holds = new Map<string, Promise<LockHold[]>>();
  for (const task of waiting) {
    const lock = taskLockOf(rt.taskExtension(task));
    if (!lock) continue;
    const key = lockKey(lock);
    if (!holds.has(key))
      holds.set(
        key,
        store.holds(key).catch(() => []),
      );
    const limit = lock.kind === 'mutex' ? 1 : (semaphores?.[lock.name] ?? null);
    out[task] = describeLockWait(lock, limit, await holds.get(key)!);
  }
  return out;
}
