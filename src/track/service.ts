/**
 * The dashboard's JSON documents (the `/api/…` endpoints), built from the same client calls as the CLI
 * commands: the index for the workflows page, the state blob for a workflow, `explain` for a task.
 * Nothing here holds a secret: index rows, state and the redacted target label only.
 */
import type { Runtime, TaskStatusRecord } from '../engine/api.js';
import { TASK_STATES, WORKFLOW_STATES, type TaskState, type WorkflowState } from '../engine/states.js';
import { UsageError, WorkflowNotFoundError } from '../errors.js';
import type { WorkflowClient } from '../client/workflow-client.js';
import { explainTask, explainWorkflow } from '../client/explain.js';
import type { Explanation } from '../client/types.js';
import type { IndexRow } from '../ports/index-store.js';
import { statusOf } from '../client/status.js';
import type { WorkflowCache, WorkflowEntry, LaidOutView } from './workflow-cache.js';
import { nodeStates, type NodeState } from './node-states.js';

/** Largest page of the workflows list. */
export const MAX_PAGE = 500;
/** Inline output shown in the task panel; larger ones are fetched on demand. */
export const OUTPUT_PREVIEW_BYTES = 4 * 1024;
/** Bound of an output fetched on demand (`/output`). */
export const OUTPUT_FETCH_MAX_BYTES = 1024 * 1024;

/** One row of the workflows page. */
export interface WorkflowRowJson {
  workflow_id: string;
  name: string;
  state: WorkflowState;
  cancel_requested: boolean;
  total: number;
  completed: number;
  running: number;
  failed: number;
  pending: number;
  skipped: number;
  created_at: string;
  updated_at: string;
  error: string | null;
}

function rowJson(r: IndexRow): WorkflowRowJson {
  return {
    workflow_id: r.workflowId,
    name: r.name,
    state: r.workflowState,
    cancel_requested: r.cancelRequested,
    total: r.totalTasks,
    completed: r.completedTasks,
    running: r.runningTasks,
    failed: r.failedTasks,
    pending: r.pendingTasks,
    skipped: r.skippedTasks,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    error: r.error,
  };
}

/** Query of the workflows list (`/api/workflows?state=…&name=…&offset=…&limit=…`). */
export interface ListQuery {
  states: WorkflowState[];
  name: string;
  offset: number;
  limit: number;
}

/** Parse list query parameters; bad values are a UsageError (HTTP 400). */
export function parseListQuery(q: URLSearchParams): ListQuery {
  const states = (q.get('state') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const s of states)
    if (!(WORKFLOW_STATES as readonly string[]).includes(s))
      throw new UsageError(`state must be one of ${WORKFLOW_STATES.join(', ')}; got '${s}'`);
  return {
    states: states as WorkflowState[],
    name: (q.get('name') ?? '').trim(),
    offset: intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
    limit: intParam(q, 'limit', 50, 1, MAX_PAGE),
  };
}

/** An integer query parameter within [min, max], else a UsageError. */
export function intParam(q: URLSearchParams, key: string, dflt: number, min: number, max: number): number {
  const raw = q.get(key);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${key} must be an integer from ${min} to ${max}; got '${raw}'`);
  return n;
}

/** The workflows page: index rows newest first, filtered by state and by name/ID substring, one page. */
export async function listWorkflows(client: WorkflowClient, q: ListQuery) {
  const rows = await client.list(q.states.length ? { status: q.states } : {});
  const needle = q.name.toLowerCase();
  const matching = rows
    .filter(
      (r) => !needle || r.name.toLowerCase().includes(needle) || r.workflowId.toLowerCase().includes(needle),
    )
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.workflowId.localeCompare(a.workflowId));
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.workflowState] = (counts[r.workflowState] ?? 0) + 1;
  return {
    total: matching.length,
    offset: q.offset,
    limit: q.limit,
    counts_by_state: counts,
    workflows: matching.slice(q.offset, q.offset + q.limit).map(rowJson),
  };
}

/** Header of a workflow (blob-backed, the index row's cancel flag OR-ed in as `status` does). */
export function workflowHeader(rt: Runtime, cancelFlag: boolean) {
  const st = statusOf(rt, false, cancelFlag);
  return {
    workflow_id: st.workflow_id,
    name: st.name,
    state: st.status,
    total: st.total,
    completed: st.completed,
    running: st.running,
    failed: st.failed,
    pending: st.pending,
    skipped: st.skipped,
    ready: st.ready,
    cancel_requested: st.cancel_requested,
    activated: st.activated,
    max_parallelism: st.max_parallelism,
    created_at: st.created_at,
    updated_at: st.updated_at,
    error: st.error,
  };
}

/** `/api/workflows/:id`: header plus the workflow's `explain`. */
export async function workflowDetail(client: WorkflowClient, cache: WorkflowCache, id: string) {
  const e = await cache.get(id);
  const rt = e.snapshot!.rt;
  const cancel = await client.backend.index.getCancelRequested(id).catch(() => false);
  const pendingRows = rt.state === 'pending' ? await client.list({ status: ['pending'] }) : [];
  const explanation = explainWorkflow(rt, {
    now: Date.now(),
    pendingRows,
    lockWaits: await client.lockWaits(rt),
  });
  return { ...workflowHeader(rt, cancel), explain: explanation, explain_text: explainText(explanation) };
}

/** Expanded group keys from `?expand=a&expand=b` (repeatable). */
export function expandParam(q: URLSearchParams): string[] {
  return q.getAll('expand').filter((k) => k.length > 0 && k.length <= 300);
}

function graphJson(lv: LaidOutView) {
  const { view, layout } = lv;
  return {
    aggregated: view.aggregated,
    grouping: view.grouping,
    expanded: view.expanded,
    layout_ms: layout.ms,
    width: layout.width,
    height: layout.height,
    nodes: view.nodes.map((n, i) => ({ ...n, ...layout.nodes[i] })),
    edges: view.edges.map(([from, to], i) => ({ from, to, points: layout.edges[i] })),
  };
}

/** `/api/workflows/:id/graph`: the laid-out DAG and each node's state. */
export async function workflowGraph(cache: WorkflowCache, id: string, expand: string[]) {
  const t0 = performance.now();
  const e = await cache.get(id);
  const t1 = performance.now();
  const view = e.viewGraph(expand);
  const t2 = performance.now();
  const lv = await e.view(expand);
  // The snapshot after the layout wait: the states drawn are the newest read.
  const rt = e.snapshot!.rt;
  return {
    timings_ms: {
      read: Math.round(t1 - t0),
      view: Math.round(t2 - t1),
      layout_wait: Math.round(performance.now() - t2),
    },
    workflow: workflowHeader(rt, false),
    task_count: rt.taskCount,
    graph: graphJson(lv),
    states: nodeStates(view, rt),
  };
}

/** Per-node states of a view for an SSE update. */
export function liveStates(e: WorkflowEntry, expand: string[]): NodeState[] {
  return nodeStates(e.viewGraph(expand), e.snapshot!.rt);
}

/** How a task's condition was judged, from its state (the engine records only the outcome). */
export function conditionVerdict(t: TaskStatusRecord): string | null {
  if (!t.condition) return null;
  if (t.status === 'skipped' && t.error?.startsWith('condition error:')) return t.error;
  if (t.status === 'skipped') return 'false (skipped)';
  if (t.status === 'pending' || t.status === 'upstream_failed' || t.status === 'cancelled')
    return 'not evaluated yet';
  return 'true';
}

/** Seconds between started and completed (or now, while running); null when it never started. */
export function durationS(t: TaskStatusRecord, now: number): number | null {
  if (!t.started_at) return null;
  const start = Date.parse(t.started_at);
  const end = t.completed_at ? Date.parse(t.completed_at) : t.status === 'running' ? now : NaN;
  return Number.isNaN(start) || Number.isNaN(end) ? null : Math.max(0, Math.round((end - start) / 1000));
}

/** The `explain` text as the CLI prints it (without colours). */
export function explainText(e: Explanation): string {
  const lines = [`${e.task ? `Task ${e.task}` : `Workflow ${e.workflow_id}`} (${e.name}): ${e.status}`];
  lines.push(`  ${e.summary}`);
  const counts = Object.entries(e.counts_by_state).map(([s, n]) => `${n} ${s}`);
  if (counts.length) lines.push(`  ${counts.join('  ')}`);
  if (e.blockers.length === 0) lines.push('  No blockers.');
  for (const b of e.blockers) lines.push(`  ⚠ ${b}`);
  for (const [k, v] of Object.entries(e.detail))
    if (v !== null && v !== undefined && v !== false)
      lines.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return lines.join('\n');
}

/** `/api/workflows/:id/tasks/:name`: everything the task panel shows. */
export async function taskDetail(client: WorkflowClient, cache: WorkflowCache, id: string, name: string) {
  const e = await cache.get(id);
  const rt = e.snapshot!.rt;
  if (!rt.hasTask(name)) throw new WorkflowNotFoundError(`task ${name} not found in workflow ${id}`);
  const t = rt.taskStatus(name);
  const now = Date.now();
  const lockWaits = await client.lockWaits(rt);
  const explanation = explainTask(rt, name, { now, lockWaits });
  const ref = t.output_ref;
  let output: Record<string, unknown> | null = null;
  if (ref !== null) {
    if (ref.startsWith('blob:')) {
      output = { kind: 'blob', ref, preview: null, fetch: true };
    } else {
      const p = await client.backend.outputs.previewOutput(ref, OUTPUT_PREVIEW_BYTES);
      output = {
        kind: 'inline',
        bytes: p.bytes,
        preview: p.text,
        truncated: p.truncated,
        fetch: p.truncated,
      };
    }
  }
  return {
    workflow_id: id,
    name: t.name,
    state: t.status,
    is_merge: t.is_merge,
    attempt: t.attempt_no,
    num_retries: t.num_retries,
    retries_remaining: t.retries_remaining,
    started_at: t.started_at,
    completed_at: t.completed_at,
    updated_at: t.updated_at,
    duration_s: durationS(t, now),
    queue: t.queue,
    dep_policy: t.dep_policy,
    depends_on: t.depends_on,
    depended_by: t.depended_by,
    completed_deps: t.completed_deps,
    failed_deps: t.failed_deps,
    timeout_s: t.task_timeout_s,
    condition: t.condition,
    condition_verdict: conditionVerdict(t),
    error: t.error,
    // jobq extension: `<workflow>/<task>/<attempt>` whose cached result completed this task.
    cached_from: t.cached_from ?? null,
    waiting_for: lockWaits[name] ?? null,
    output,
    explain: explanation,
    explain_text: explainText(explanation),
  };
}

/** `/api/workflows/:id/tasks/:name/output?max=N`: the output text, at most `max` bytes. */
export async function taskOutput(
  client: WorkflowClient,
  cache: WorkflowCache,
  id: string,
  name: string,
  maxBytes: number,
) {
  const e = await cache.get(id);
  const rt = e.snapshot!.rt;
  if (!rt.hasTask(name)) throw new WorkflowNotFoundError(`task ${name} not found in workflow ${id}`);
  const ref = rt.outputRef(name);
  if (ref === null) return { workflow_id: id, name, output: null };
  const p = await client.backend.outputs.previewOutput(ref, maxBytes);
  return { workflow_id: id, name, output: { ...p, max_bytes: maxBytes } };
}

/** `/api/workflows/:id/tasks?group=&state=&prefix=&offset=&limit=`: tasks with their states, paged. */
export async function taskList(cache: WorkflowCache, id: string, q: URLSearchParams) {
  const e = await cache.get(id);
  const rt = e.snapshot!.rt;
  const state = q.get('state');
  if (state && !(TASK_STATES as readonly string[]).includes(state))
    throw new UsageError(`state must be one of ${TASK_STATES.join(', ')}; got '${state}'`);
  const prefix = q.get('prefix') ?? '';
  const group = q.get('group');
  const offset = intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(q, 'limit', 100, 1, 1000);
  const names = rt.taskNames();
  let candidates: string[] = names;
  if (group !== null) {
    const members = e.viewGraph([]).groupMembers.get(group);
    if (!members) throw new WorkflowNotFoundError(`group ${group} not found in workflow ${id}`);
    candidates = members.map((i) => names[i]);
  }
  const matching = candidates.filter(
    (n) => (!state || rt.taskState(n) === (state as TaskState)) && n.startsWith(prefix),
  );
  return {
    workflow_id: id,
    total: matching.length,
    offset,
    limit,
    tasks: matching.slice(offset, offset + limit).map((n) => {
      const t = rt.taskStatus(n);
      return {
        name: n,
        state: t.status,
        attempt: t.attempt_no,
        error: t.error,
        queue: t.queue,
        cached_from: t.cached_from ?? null,
      };
    }),
  };
}
