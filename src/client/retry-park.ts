/**
 * The client never dispatches (DECISIONS §4.2), but the engine's `resetFailed` on an admitted workflow
 * moves the tasks it made ready straight to `running` (it assumes the caller pushes them). Before the
 * client writes that state, those tasks are put back as `ready_pending_budget` at their previous
 * attempt: a parked task is queued for dispatch whenever a coordinator loads the workflow, so the
 * coordinator that handles the `retry` control message (or any later load) pushes them.
 */
import type { TaskDispatch } from '../engine/api.js';
import type { StateDocV1, StateTaskDocV1 } from '../wire/docs.js';

/** Return a copy of `doc` with every dispatched task parked instead of running. */
export function parkDispatchedTasks(doc: StateDocV1, dispatched: readonly TaskDispatch[]): StateDocV1 {
  if (dispatched.length === 0) return doc;
  const tasks: Record<string, StateTaskDocV1> = { ...doc.tasks };
  for (const d of dispatched) {
    const t: StateTaskDocV1 = { ...(tasks[d.task] ?? {}), state: 'ready_pending_budget' };
    const previous = Math.max(0, d.attemptNo - 1);
    if (previous > 0) t.attempt_no = previous;
    else delete t.attempt_no;
    delete t.started_at;
    tasks[d.task] = t;
  }
  return { ...doc, tasks };
}
