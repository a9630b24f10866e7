/**
 * The engine's public contract. `WorkflowRuntime` (engine/runtime.ts) implements `Runtime`; the
 * coordinator, client and worker helpers program against this file only. Pure: no I/O, no timers,
 * every `now` is epoch milliseconds passed in by the caller.
 */
import type { StateDocText } from './state-text.js';
import type { DepPolicy, ResultPolicy } from '../model/types.js';
import type { TaskState, WorkflowState } from './states.js';
import type { DefinitionDocV1, StateDocV1 } from '../wire/docs.js';
import type { DefinitionExtension, TaskExtension } from '../model/extensions.js';

/** A completion as the engine sees it (decoded from the wire by the caller). */
export interface CompletionInput {
  task: string;
  success: boolean;
  outputRef: string | null;
  error: string | null;
  /** null for old workers and for timeouts (reference §2.4). */
  attemptNo: number | null;
}

/**
 * Resolves a parent's output ref for condition evaluation. Inline refs the engine decodes itself;
 * for `blob:` refs it calls this. Return `{ ok: true, value }` when the caller has the decoded value,
 * `{ ok: false }` when it must be fetched first (the engine then reports the ref in `needOutputs`,
 * leaves the candidate pending, and the caller calls `evaluatePendingConditions` after fetching).
 * `{ ok: false, error }` means the output can never be supplied (missing blob, too large): the
 * candidate is skipped with reason `condition error: <error>` (DECISIONS §4.4).
 */
export type OutputResolver = (ref: string) => { ok: true; value: unknown } | { ok: false; error?: string };

/** A task the engine moved READY → RUNNING (attempt already bumped); the caller must push it. */
export interface TaskDispatch {
  task: string;
  attemptNo: number;
  /** Resolved queue spec (task queue or the workflow default queue). */
  queue: string;
}

/** What one engine step changed. Every mutating operation returns one. */
export interface StepResult {
  /** Tasks to push now, in order. Merge nodes never appear: the engine completes them in place. */
  dispatch: TaskDispatch[];
  /** Blob refs a pending condition needs before it can be evaluated (see OutputResolver). */
  needOutputs: string[];
  /** Whether any durable state changed (false ⇒ no need to flush). */
  changed: boolean;
  /** The completion was a duplicate / stale attempt / for an unknown task and was ignored. */
  ignored: 'duplicate' | 'stale' | 'unknown_task' | null;
  /** A failure was re-armed for retry. */
  retried: boolean;
  /** Conditions that raised during evaluation (task skipped with `condition error: ...`). */
  conditionErrors: number;
  /** Tasks that became skipped or upstream_failed in this step (cascades included). */
  cascaded: string[];
}

export interface SummaryCounters {
  total: number;
  completed: number;
  running: number;
  /** failed + upstream_failed + cancelled */
  failed: number;
  /** pending + ready + ready_pending_budget */
  pending: number;
  skipped: number;
  /** Ready tasks (not in the reference summary; shown in layer tables). */
  ready: number;
}

/** Per-task status record (reference §2.12). Timestamps are ISO strings or null. */
export interface TaskStatusRecord {
  name: string;
  status: TaskState;
  depends_on: string[];
  depended_by: string[];
  dep_policy: string;
  completed_deps: number;
  failed_deps: number;
  queue: string;
  output_ref: string | null;
  error: string | null;
  started_at: string | null;
  completed_at: string | null;
  retries_remaining: number;
  task_timeout_s: number | null;
  updated_at: string | null;
  attempt_no: number;
  num_retries: number;
  condition: string | null;
  is_merge: boolean;
  /** jobq extension: `<workflow>/<task>/<attempt>` whose cached result completed this task (absent otherwise). */
  cached_from?: string;
  /** jobq extension, set by the client from the lock store: what a READY task parked behind its lock waits for. */
  waiting_for?: string;
}

export interface RetryResult extends StepResult {
  reset: number;
  nowReady: number;
  stillPending: number;
}

export interface Runtime {
  readonly workflowId: string;
  readonly name: string;
  readonly defaultQueue: string;
  readonly resultPolicy: ResultPolicy;
  readonly maxParallelism: number | null;
  /** ISO-8601 */
  readonly createdAt: string;
  readonly taskCount: number;

  /** Current workflow state (recomputed after every mutation, reference §2.7 + activation). */
  readonly state: WorkflowState;
  readonly cancelRequested: boolean;
  /** ISO-8601 of the last mutation. */
  readonly updatedAt: string;
  readonly error: string | null;
  /** False until the coordinator admits the workflow (DECISIONS §4.2); state is `pending` until then. */
  readonly activated: boolean;
  isTerminal(): boolean;

  /** Admit: mark activated, dispatch ready tasks (budget-capped). Idempotent (re-dispatches nothing already running). */
  activate(now: number, resolve?: OutputResolver): StepResult;
  /** Apply one completion (idempotent by task and attempt; reference §2.4 rules, DECISIONS §4). */
  applyCompletion(c: CompletionInput, now: number, resolve?: OutputResolver): StepResult;
  /** Continue condition evaluation after the caller fetched the outputs named in `needOutputs`. */
  evaluatePendingConditions(now: number, resolve: OutputResolver): StepResult;
  /** Fail a running task for exceeding its time limit (no attempt number: retry budget applies); re-armed tasks are dispatched at once. */
  applyTimeout(task: string, now: number, error: string, resolve?: OutputResolver): StepResult;
  /** Running tasks whose elapsed time exceeds their effective timeout (task timeout_s, else `defaultTimeoutS`). */
  timedOutTasks(now: number, defaultTimeoutS: number | null): { task: string; timeoutS: number }[];
  /** Cancel: pending/ready → cancelled, running left to finish; `cancelling` → `cancelled` when none run. */
  requestCancel(now: number): StepResult & { running: string[] };
  /** Workflow retry (reference §2.11 + DECISIONS: conditions re-evaluated, cancel cleared). Dispatches if activated. */
  resetFailed(now: number, resolve?: OutputResolver): RetryResult;
  /** The definition's jobq extension object (DECISIONS §4.17), or null. */
  readonly extension: DefinitionExtension | null;
  /** The task's jobq-only fields (cache, mutex, semaphore), or null. */
  taskExtension(name: string): TaskExtension | null;
  /** True when cache hits must be ignored (`submit --no-cache`, or the last `retry --no-cache`). */
  readonly noCache: boolean;
  /** Set by `retry --no-cache` (stored in the state document's `jobq` key). */
  setNoCache(noCache: boolean): void;
  /**
   * Complete a RUNNING task from a cached result (no queue hop). `source` is the
   * `<workflow>/<task>/<attempt>` that produced it; ignored like a completion if not running at `attemptNo`.
   */
  completeFromCache(
    task: string,
    attemptNo: number,
    outputRef: string | null,
    source: string,
    now: number,
    resolve?: OutputResolver,
  ): StepResult;
  /** `<workflow>/<task>/<attempt>` whose cached result completed the task, else null. */
  cachedFrom(name: string): string | null;
  /** Restart the running clock of a RUNNING task (a lock was granted: waiting is not running time). */
  markStarted(task: string, now: number): boolean;
  /**
   * jobq extension (locks): a dispatched task (RUNNING at `attemptNo`, no message sent) must wait for its
   * mutex/semaphore: it goes back to READY at its previous attempt and is not dispatched again until
   * `grantLock`. The freed max_parallelism slot is given to other ready tasks (returned in `dispatch`).
   * Ignored (`duplicate`) unless the task is RUNNING at `attemptNo`.
   */
  deferForLock(task: string, attemptNo: number, now: number, resolve?: OutputResolver): StepResult;
  /** jobq extension (locks): the lock of a waiting task was granted: dispatch it (budget permitting). */
  grantLock(task: string, now: number, resolve?: OutputResolver): StepResult;
  /** Epoch ms a task started waiting for its lock, or null when it is not waiting. */
  lockWaitSince(task: string): number | null;
  /** Tasks waiting for their lock (READY, not dispatched), in definition order. */
  lockWaitingTasks(): string[];
  /** Ready-repair: re-dispatch READY tasks (budget-capped) at a new attempt number. */
  redispatchReady(now: number): StepResult;
  /** READY tasks that may be dispatched (lock waiters excluded), for repair decisions. */
  readyTasks(): string[];

  summary(): SummaryCounters;
  taskNames(): string[];
  hasTask(name: string): boolean;
  taskState(name: string): TaskState;
  taskStatus(name: string): TaskStatusRecord;
  taskStatuses(): TaskStatusRecord[];
  /** The task's own kwargs as JSON text (without any `__workflow_*` keys). */
  taskKwargsJson(name: string): string;
  taskQueue(name: string): string;
  taskAttempt(name: string): number;
  parents(name: string): readonly string[];
  children(name: string): readonly string[];
  depPolicy(name: string): DepPolicy;
  /** Output refs of the task's direct parents, in declared order (null = no output). */
  parentOutputRefs(name: string): [string, string | null][];
  outputRef(name: string): string | null;
  isMergeNode(name: string): boolean;
  /** Sorted real (non-merge) ancestors reached through merge nodes (DECISIONS §4.12). */
  realUpstreamTasks(name: string): string[];
  /** Sorted unique resolved queues of all tasks (index column `queues_used`). */
  queuesUsed(): string[];

  toDefinitionDoc(): DefinitionDocV1;
  toStateDoc(): StateDocV1;
  /** The same document as chunked JSON text, re-encoding only the chunks that changed since the last call. */
  toStateText(): StateDocText;
}
