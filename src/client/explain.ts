/**
 * `workflow explain`: why a workflow or task is where it is, from durable state only. Unlike the
 * reference (Appendix A 28), READY age comes from timestamps that are actually written: a task became
 * ready when its last parent finished, or when the workflow was activated/created for a root.
 */
import type { Runtime, TaskStatusRecord } from '../engine/api.js';
import type { IndexRow } from '../ports/index-store.js';
import { listWithMore } from './text.js';
import type { Explanation } from './types.js';

/** READY tasks older than this are reported as waiting on workers. */
export const READY_AGE_BLOCKER_MIN = 10;

const CONDITION_ERROR = 'condition error:';

function countsByState(tasks: TaskStatusRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tasks) out[t.status] = (out[t.status] ?? 0) + 1;
  return out;
}

/** When a READY task became ready: its latest finished parent, else the workflow's last activation point. */
export function readySince(
  task: TaskStatusRecord,
  byName: Map<string, TaskStatusRecord>,
  rt: Runtime,
): number | null {
  let latest: number | null = null;
  for (const p of task.depends_on) {
    const at = byName.get(p)?.completed_at;
    const t = at ? Date.parse(at) : NaN;
    if (!Number.isNaN(t)) latest = latest === null ? t : Math.max(latest, t);
  }
  if (latest !== null) return latest;
  const created = Date.parse(rt.createdAt);
  return Number.isNaN(created) ? null : created;
}

export interface ExplainContext {
  now: number;
  /** Pending workflows of the prefix (for the admission-queue position), oldest first. */
  pendingRows?: IndexRow[];
  /** jobq extension: task → what it waits for behind its mutex/semaphore (`WorkflowClient.lockWaits`). */
  lockWaits?: Readonly<Record<string, string>>;
}

function admissionBlocker(rt: Runtime, ctx: ExplainContext): string {
  const ahead = (ctx.pendingRows ?? []).filter(
    (r) => r.workflowId !== rt.workflowId && r.createdAt < rt.createdAt,
  ).length;
  return `Workflow is PENDING — waiting for admission by the coordinator${ahead > 0 ? ` (${ahead} pending workflow(s) ahead in FIFO order)` : ''}; is \`jobq workflow coordinator\` running, and is --max-running-workflows reached?`;
}

function readyBlockers(
  rt: Runtime,
  tasks: TaskStatusRecord[],
  byName: Map<string, TaskStatusRecord>,
  now: number,
): string[] {
  const ready = tasks.filter((t) => t.status === 'ready');
  if (ready.length === 0) return [];
  const running = tasks.filter((t) => t.status === 'running').length;
  const out: string[] = [];
  const mp = rt.maxParallelism;
  if (mp !== null && running >= mp) {
    out.push(`${ready.length} READY task(s) parked by max_parallelism=${mp} (${running} running)`);
    return out;
  }
  const ages = ready.map((t) => readySince(t, byName, rt)).filter((x): x is number => x !== null);
  const oldestMin = ages.length ? Math.floor((now - Math.min(...ages)) / 60_000) : null;
  if (oldestMin !== null && oldestMin >= READY_AGE_BLOCKER_MIN) {
    const queues = [...new Set(ready.map((t) => t.queue))];
    out.push(
      `${ready.length} READY task(s) waiting on workers; oldest ready ${oldestMin}m ago (queue(s): ${listWithMore(queues)})`,
    );
  }
  return out;
}

/** Explain a whole workflow. */
export function explainWorkflow(rt: Runtime, ctx: ExplainContext): Explanation {
  const tasks = rt.taskStatuses();
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const s = rt.summary();
  const failed = tasks.filter((t) => t.status === 'failed');
  const upstream = tasks.filter((t) => t.status === 'upstream_failed');
  const condErrors = tasks.filter((t) => t.status === 'skipped' && t.error?.startsWith(CONDITION_ERROR));
  const blockers: string[] = [];
  if (rt.state === 'pending') blockers.push(admissionBlocker(rt, ctx));
  if (failed.length)
    blockers.push(`${failed.length} failed task(s): ${listWithMore(failed.map((t) => t.name))}`);
  if (upstream.length) blockers.push(`${upstream.length} task(s) blocked by upstream failures`);
  if (condErrors.length) {
    blockers.push(
      `${condErrors.length} task(s) skipped by a condition error: ${listWithMore(
        condErrors.map((t) => `${t.name} (${t.error})`),
        2,
      )}`,
    );
  }
  const lockWaits = Object.entries(ctx.lockWaits ?? {});
  if (lockWaits.length)
    blockers.push(
      `${lockWaits.length} READY task(s) waiting for a mutex or semaphore: ${listWithMore(
        lockWaits.map(([name, why]) => `${name} (${why})`),
        2,
      )}`,
    );
  const unlocked = lockWaits.length ? tasks.filter((t) => !ctx.lockWaits?.[t.name]) : tasks;
  if (rt.state !== 'pending') blockers.push(...readyBlockers(rt, unlocked, byName, ctx.now));
  if (rt.state === 'running' && s.ready === 0 && s.running === 0 && s.pending > 0) {
    blockers.push(`${s.pending} task(s) pending on upstream completions`);
  }
  let summary = `${s.completed}/${s.total} tasks complete`;
  if (s.failed) summary += `, ${s.failed} failed`;
  if (s.running) summary += `, ${s.running} running`;
  return {
    workflow_id: rt.workflowId,
    name: rt.name,
    status: rt.state,
    summary,
    counts_by_state: countsByState(tasks),
    blockers,
    detail: {
      workflow_error: rt.error,
      cancel_requested: rt.cancelRequested,
      max_parallelism: rt.maxParallelism,
      created_at: rt.createdAt,
      updated_at: rt.updatedAt,
    },
  };
}

/** Explain one task; `null` runtime/task → status `missing`. */
export function explainTask(rt: Runtime, taskName: string, ctx: ExplainContext): Explanation {
  if (!rt.hasTask(taskName)) {
    return {
      workflow_id: rt.workflowId,
      task: taskName,
      name: rt.name,
      status: 'missing',
      summary: `task ${taskName} not found in workflow ${rt.workflowId}`,
      counts_by_state: {},
      blockers: [],
      detail: {},
    };
  }
  const tasks = rt.taskStatuses();
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const t = byName.get(taskName)!;
  const total = t.depends_on.length;
  const blockers: string[] = [];
  if (rt.state === 'pending') blockers.push(admissionBlocker(rt, ctx));
  const waiting = t.depends_on.filter(
    (p) =>
      !['completed', 'skipped', 'failed', 'upstream_failed', 'cancelled'].includes(
        byName.get(p)?.status ?? '',
      ),
  );
  if (t.status === 'pending' && waiting.length) {
    blockers.push(
      `waiting on ${waiting.length} of ${total} dependency completion(s): ${listWithMore(waiting)}`,
    );
  }
  if (t.failed_deps > 0)
    blockers.push(`upstream failures: ${t.failed_deps}/${total} (dep_policy ${t.dep_policy})`);
  if (t.status === 'pending' && waiting.length === 0 && t.condition)
    blockers.push(`condition not yet evaluated: ${t.condition}`);
  if (t.status === 'skipped' && t.error?.startsWith(CONDITION_ERROR)) blockers.push(t.error);
  let readyMin: number | null = null;
  const lockWait = ctx.lockWaits?.[taskName];
  if (t.status === 'ready' && lockWait) {
    blockers.push(lockWait);
  } else if (t.status === 'ready') {
    const since = readySince(t, byName, rt);
    readyMin = since === null ? null : Math.floor((ctx.now - since) / 60_000);
    const running = tasks.filter((x) => x.status === 'running').length;
    if (rt.maxParallelism !== null && running >= rt.maxParallelism) {
      blockers.push(`parked by max_parallelism=${rt.maxParallelism} (${running} running)`);
    } else if (readyMin !== null && readyMin >= READY_AGE_BLOCKER_MIN) {
      blockers.push(`READY for ${readyMin}m: waiting on a worker of queue ${t.queue}`);
    }
  }
  let summary = `task ${taskName} is ${t.status}, ${t.completed_deps}/${total} deps complete`;
  if (t.failed_deps) summary += `, ${t.failed_deps} failed`;
  if (t.cached_from) summary += `; completed from the cache (result of ${t.cached_from})`;
  return {
    workflow_id: rt.workflowId,
    task: taskName,
    name: rt.name,
    status: t.status,
    summary,
    counts_by_state: countsByState(tasks),
    blockers,
    detail: {
      error: t.error,
      ready_min_ago: readyMin,
      attempt_no: t.attempt_no,
      retries_remaining: t.retries_remaining,
      queue: t.queue,
      started_at: t.started_at,
      completed_at: t.completed_at,
      condition: t.condition,
      ...(t.cached_from ? { cached_from: t.cached_from } : {}),
    },
  };
}
