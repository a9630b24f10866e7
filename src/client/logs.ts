/**
 * Reading task attempt logs (`jobq workflow logs`, the `track` dashboard): the stored log of an
 * attempt with its metadata, or a typed answer saying why there is none. Workers write the logs
 * (src/worker/attempt-log.ts); the blob format is src/wire/task-log.ts.
 */
import type { Backend } from '../ports/backend.js';
import type { Runtime } from '../engine/api.js';
import type { TaskState } from '../engine/states.js';
import { WorkflowRuntime } from '../engine/index.js';
import type { TaskLogDoc, TaskLogHeader, TaskLogLine } from '../wire/task-log.js';
import { groupDigits } from '../group-digits.js';

/** What `readTaskLog` needs of a backend (`client.backend` or a `Backend` will do). */
export type TaskLogSource = Pick<Backend, 'state' | 'logs' | 'target'>;

/** Why an attempt has no log to show. */
export type MissingLogReason =
  /** No workflow with this ID (purged, or never submitted). */
  | 'workflow-not-found'
  | 'task-not-found'
  /** The task has not been dispatched yet, or never will be (skipped, upstream failed, cancelled). */
  | 'never-ran'
  /** A `__batch_merge` node: the coordinator completes it, nothing runs. */
  | 'merge-node'
  /** `--attempt N` beyond the attempts the task has had. */
  | 'no-such-attempt'
  /** The attempt runs and its worker has not written the first refresh yet. */
  | 'not-yet-written'
  /** The attempt ended without a stored log: it ran on a worker that keeps none (a Python worker). */
  | 'not-stored';

export interface TaskLogFound {
  kind: 'found';
  workflowId: string;
  task: string;
  /** The attempt shown. */
  attempt: number;
  /** The task's current attempt number in the state blob (0 after a workflow retry reset it). */
  currentAttempt: number;
  /** Every attempt of this task that has a stored log, ascending. */
  storedAttempts: number[];
  taskState: TaskState;
  /** The task's error in the state blob (e.g. `task timed out after 5s`), which the log may not say. */
  taskError: string | null;
  /** True while this attempt still runs and its worker refreshes the log: more lines may follow. */
  live: boolean;
  header: TaskLogHeader;
  lines: TaskLogLine[];
  /** Lines were dropped from the start to keep the log within its bound (`header.dropped_*`). */
  truncated: boolean;
  /** The log as text: a truncation marker if any, then `<ISO time> <stream> <text>` per line. */
  text: string;
}

export interface TaskLogMissing {
  kind: 'missing';
  workflowId: string;
  task: string;
  /** The attempt asked about, when there is one. */
  attempt: number | null;
  taskState: TaskState | null;
  reason: MissingLogReason;
  /** One line a user can act on, e.g. `no log for attempt 1 of wf/t: …`. */
  message: string;
}

export type TaskLogAnswer = TaskLogFound | TaskLogMissing;

export interface ReadTaskLogOptions {
  /** Attempt to show (>= 1); default the task's current attempt, else its last stored one. */
  attempt?: number;
  /** The workflow's runtime when the caller has it loaded (saves reading the state blob). */
  runtime?: Runtime;
  /** Clock (epoch ms) for deciding whether a refreshed log is still live; default Date.now(). */
  now?: number;
}

/** Refreshes older than this many refresh periods mean the worker is gone (killed, stopped). */
const STALE_REFRESHES = 3;

/**
 * Whether more lines may follow: the worker has not written the final log, and either the state says
 * this attempt runs, or the worker refreshed it recently (an attempt the coordinator timed out keeps
 * running on its worker, which the reference never tells).
 */
function isLive(h: TaskLogHeader, runningNow: boolean, now: number): boolean {
  if (h.state === 'final') return false;
  if (runningNow) return true;
  const age = now - Date.parse(h.updated_at);
  return h.refresh_s > 0 && age < STALE_REFRESHES * h.refresh_s * 1000;
}

/**
 * How long after an attempt ended a missing log still counts as on its way: the worker writes the
 * final log while it publishes the completion, so a reader can see the end before the log.
 */
export const FINAL_LOG_GRACE_MS = 10_000;

function justEnded(completedAt: string | null, now: number): boolean {
  if (!completedAt) return false;
  const age = now - Date.parse(completedAt);
  return age >= -FINAL_LOG_GRACE_MS && age < FINAL_LOG_GRACE_MS;
}

/** Load a workflow's runtime from storage, or null when it does not exist. */
export async function loadLogRuntime(source: TaskLogSource, workflowId: string): Promise<Runtime | null> {
  const stored = await source.state.load(workflowId);
  return stored ? WorkflowRuntime.fromDocs(stored.def, stored.state) : null;
}

const NEVER_RAN: Partial<Record<TaskState, string>> = {
  pending: 'has not run yet (pending: waiting on its dependencies)',
  ready: 'has not run yet (ready: waiting for a worker)',
  ready_pending_budget: 'has not run yet (waiting for a max_parallelism slot)',
  skipped: 'never ran: it was skipped',
  upstream_failed: 'never ran: an upstream task failed',
  cancelled: 'never ran: the workflow was cancelled before it started',
};

/**
 * The stored log of one attempt of `workflowId`/`task` (default: its current attempt) with the
 * metadata the worker recorded, or `{kind: 'missing', reason, message}` saying why there is none.
 * Storage errors (unreachable, corrupt log blob) are thrown; nothing here writes.
 */
export async function readTaskLog(
  source: TaskLogSource,
  workflowId: string,
  task: string,
  opts: ReadTaskLogOptions = {},
): Promise<TaskLogAnswer> {
  const rt = opts.runtime ?? (await loadLogRuntime(source, workflowId));
  const missing = (
    reason: MissingLogReason,
    message: string,
    attempt: number | null = null,
    taskState: TaskState | null = null,
  ): TaskLogMissing => ({ kind: 'missing', workflowId, task, attempt, taskState, reason, message });
  if (!rt)
    return missing(
      'workflow-not-found',
      `workflow ${workflowId} not found in ${source.target}: it was purged (with its logs), or never submitted`,
    );
  if (!rt.hasTask(task)) return missing('task-not-found', `workflow ${workflowId} has no task '${task}'`);
  const state = rt.taskState(task);
  if (rt.isMergeNode(task))
    return missing(
      'merge-node',
      `${task} is a merge node: the coordinator completes it, nothing runs`,
      null,
      state,
    );
  const current = rt.taskAttempt(task);
  const stored = await source.logs.attempts(workflowId, task);
  const attempt = opts.attempt ?? (current > 0 ? current : (stored.at(-1) ?? null));
  if (attempt === null)
    return missing('never-ran', `${task} ${NEVER_RAN[state] ?? 'has not run yet'}`, null, state);
  const doc = stored.includes(attempt) ? await source.logs.read(workflowId, task, attempt) : null;
  if (doc) return found(rt, doc, current, stored, state, opts.now ?? Date.now());
  const what = `no log for attempt ${attempt} of ${workflowId}/${task}`;
  if (attempt > current && !stored.some((n) => n >= attempt)) {
    const had = current === 0 ? 'has not run since its last reset' : `has run ${current} attempt(s)`;
    return missing('no-such-attempt', `${what}: the task ${had}`, attempt, state);
  }
  if (attempt === current && state === 'running')
    return missing(
      'not-yet-written',
      `${what} yet: it is running and its worker writes the log every ~10 s and when it ends ` +
        `(a Python ai4s-jobq worker writes none; try --kql)`,
      attempt,
      state,
    );
  if (attempt === current && justEnded(rt.taskStatus(task).completed_at, opts.now ?? Date.now()))
    return missing(
      'not-yet-written',
      `${what} yet: the attempt ended moments ago and its worker writes the final log as it reports ` +
        `the end (a Python ai4s-jobq worker writes none; try --kql)`,
      attempt,
      state,
    );
  return missing(
    'not-stored',
    `${what}: it ran on a worker that stores no logs (a Python ai4s-jobq worker, or a jobq load-test ` +
      `processor); its output is in that worker's own log (try --kql)`,
    attempt,
    state,
  );
}

function found(
  rt: Runtime,
  doc: TaskLogDoc,
  current: number,
  stored: number[],
  state: TaskState,
  now: number,
): TaskLogFound {
  const { lines, ...header } = doc;
  return {
    kind: 'found',
    workflowId: doc.workflow_id,
    task: doc.task,
    attempt: doc.attempt,
    currentAttempt: current,
    storedAttempts: stored,
    taskState: state,
    taskError: rt.taskStatus(doc.task).error,
    live: isLive(header, state === 'running' && doc.attempt === current, now),
    header,
    lines,
    truncated: header.dropped_lines > 0,
    text: taskLogText(doc),
  };
}

/** `1,048,576`-style grouping for byte counts in markers. */
const grouped = groupDigits;

/** The marker shown where lines were dropped to keep a log within its bound. */
export function truncationMarker(
  h: Pick<TaskLogHeader, 'dropped_lines' | 'dropped_bytes' | 'max_bytes'>,
): string {
  const bound =
    h.max_bytes >= 1024 * 1024 ? `${h.max_bytes / (1024 * 1024)} MiB` : `${grouped(h.max_bytes)} bytes`;
  return (
    `[jobq: ${grouped(h.dropped_lines)} earlier line(s) (${grouped(h.dropped_bytes)} bytes) dropped; ` +
    `the log keeps the last ${bound}]`
  );
}

/** One line as text: `<ISO time> <stream> <text>` (stream padded so the texts align). */
export function taskLogLineText(l: TaskLogLine): string {
  return `${new Date(l.t).toISOString()} ${l.stream.padEnd(6)} ${l.text}`;
}

/** A whole log as text (a truncation marker first, when lines were dropped). */
export function taskLogText(doc: TaskLogDoc): string {
  const out: string[] = [];
  if (doc.dropped_lines > 0) out.push(truncationMarker(doc));
  for (const l of doc.lines) out.push(taskLogLineText(l));
  return out.length ? `${out.join('\n')}\n` : '';
}

/** Names of the tasks of `rt` in state `failed`, in definition order. */
export function failedTasks(rt: Runtime): string[] {
  return rt.taskNames().filter((t) => rt.taskState(t) === 'failed');
}

/** Something `followTaskLog` reports. */
export type FollowEvent =
  /** New lines since the last event (`dropped` > 0: that many lines were cut before they were seen). */
  | { kind: 'lines'; lines: TaskLogLine[]; dropped: number; answer: TaskLogFound }
  /** The answer while there is no log yet (reported once per reason). */
  | { kind: 'waiting'; answer: TaskLogMissing }
  /** The attempt ended (its final log was read), or it will never have one. */
  | { kind: 'end'; answer: TaskLogAnswer };

export interface FollowOptions {
  attempt?: number;
  /** Poll period, ms (default 1000). Workers refresh logs every ~10 s, so polling faster shows nothing new. */
  intervalMs?: number;
  signal?: AbortSignal;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Stream an attempt's log as it is refreshed: yields new lines as they appear and ends once the
 * attempt's final log has been read (or once there can be no log). Stops early when `signal` aborts.
 */
export async function* followTaskLog(
  source: TaskLogSource,
  workflowId: string,
  task: string,
  opts: FollowOptions = {},
): AsyncGenerator<FollowEvent> {
  let seen = 0; // absolute index (dropped_lines + position) of the next line to report
  let attempt = opts.attempt;
  let lastWaiting: MissingLogReason | null = null;
  for (;;) {
    const answer = await readTaskLog(source, workflowId, task, { attempt });
    if (answer.kind === 'missing') {
      const transient =
        answer.reason === 'not-yet-written' || (answer.reason === 'never-ran' && isActive(answer.taskState));
      if (!transient) {
        yield { kind: 'end', answer };
        return;
      }
      if (lastWaiting !== answer.reason) yield { kind: 'waiting', answer };
      lastWaiting = answer.reason;
    } else {
      attempt ??= answer.attempt; // pin the attempt once known: a retry starts a new log
      const first = answer.header.dropped_lines;
      const dropped = Math.max(0, first - seen);
      const fresh = answer.lines.slice(Math.max(0, seen - first));
      if (fresh.length || dropped) yield { kind: 'lines', lines: fresh, dropped, answer };
      seen = first + answer.lines.length;
      if (!answer.live) {
        yield { kind: 'end', answer };
        return;
      }
    }
    await sleep(opts.intervalMs ?? 1000, opts.signal);
    if (opts.signal?.aborted) return;
  }
}

function isActive(s: TaskState | null): boolean {
  return s === 'pending' || s === 'ready' || s === 'ready_pending_budget' || s === 'running';
}
