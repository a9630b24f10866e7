/** Status records built from a loaded runtime (blob-backed, accurate). */
import type { Runtime } from '../engine/api.js';
import { progressColumnsOf, type IndexColumns } from '../ports/index-store.js';
import type { StatusTaskJson, WorkflowStatus } from './types.js';

/** Full status of a runtime; `cancelFlag` is the index row's `cancel_requested` (OR-ed in). */
export function statusOf(rt: Runtime, includeTasks: boolean, cancelFlag = false): WorkflowStatus {
  const s = rt.summary();
  const status: WorkflowStatus = {
    workflow_id: rt.workflowId,
    name: rt.name,
    status: rt.state,
    total: s.total,
    completed: s.completed,
    running: s.running,
    failed: s.failed,
    pending: s.pending,
    skipped: s.skipped,
    ready: s.ready,
    cancel_requested: rt.cancelRequested || cancelFlag,
    activated: rt.activated,
    max_parallelism: rt.maxParallelism,
    created_at: rt.createdAt,
    updated_at: rt.updatedAt,
    error: rt.error,
  };
  if (includeTasks) status.tasks = rt.taskStatuses();
  return status;
}

/** The `status --json` document of reference §7.4 (tasks keyed by name; no refs or attempts). */
export function statusJson(st: WorkflowStatus): Record<string, unknown> {
  const out: Record<string, unknown> = {
    workflow_id: st.workflow_id,
    name: st.name,
    status: st.status,
    total: st.total,
    completed: st.completed,
    running: st.running,
    failed: st.failed,
    pending: st.pending,
    skipped: st.skipped,
    ready: st.ready,
    cancel_requested: st.cancel_requested,
    created_at: st.created_at,
    updated_at: st.updated_at,
  };
  if (st.error) out.error = st.error;
  if (st.tasks) {
    const tasks: Record<string, StatusTaskJson> = {};
    for (const t of st.tasks) {
      tasks[t.name] = {
        name: t.name,
        status: t.status,
        depends_on: t.depends_on,
        dep_policy: t.dep_policy,
        completed_deps: t.completed_deps,
        failed_deps: t.failed_deps,
        queue: t.queue,
        error: t.error,
        started_at: t.started_at,
        completed_at: t.completed_at,
        retries_remaining: t.retries_remaining,
      };
      // jobq extensions, only where they apply (the reference's keys are unchanged).
      if (t.cached_from) tasks[t.name].cached_from = t.cached_from;
      const wait = st.lock_waits?.[t.name];
      if (wait) tasks[t.name].waiting_for = wait;
    }
    out.tasks = tasks;
  }
  return out;
}

/** The index columns a client writer owns, projected from a runtime. */
export function indexColumnsOf(rt: Runtime): IndexColumns {
  return {
    ...progressColumnsOf(rt),
    name: rt.name,
    defaultQueue: rt.defaultQueue,
    queuesUsed: rt.queuesUsed(),
    createdAt: rt.createdAt,
  };
}
