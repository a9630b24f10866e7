/** Result records of `WorkflowClient` (the shapes `--json` prints). */
import type { TaskStatusRecord } from '../engine/api.js';
import type { TaskState, WorkflowState } from '../engine/states.js';
import type { IndexRow } from '../ports/index-store.js';

/** Blob-backed status of one workflow (accurate, unlike the index row). */
export interface WorkflowStatus {
  workflow_id: string;
  name: string;
  status: WorkflowState;
  total: number;
  completed: number;
  running: number;
  /** failed + upstream_failed + cancelled */
  failed: number;
  /** pending + ready + ready_pending_budget */
  pending: number;
  skipped: number;
  /** Subset of `pending` that is `ready` (dispatched or waiting for a worker). */
  ready: number;
  cancel_requested: boolean;
  activated: boolean;
  max_parallelism: number | null;
  created_at: string;
  updated_at: string;
  error: string | null;
  tasks?: TaskStatusRecord[];
  /** jobq extension: task → `waiting for mutex NAME (held by <wf>/<task>)`, for READY tasks parked behind a lock. */
  lock_waits?: Record<string, string>;
}

/** Per-task entry of `status --json` (reference §7.4: no output refs, attempts or exit codes). */
export interface StatusTaskJson {
  name: string;
  status: TaskState;
  depends_on: string[];
  dep_policy: string;
  completed_deps: number;
  failed_deps: number;
  queue: string;
  error: string | null;
  started_at: string | null;
  completed_at: string | null;
  retries_remaining: number;
  /** jobq extension: `<wf>/<task>/<attempt>` whose cached result completed the task. */
  cached_from?: string;
  /** jobq extension: `waiting for mutex NAME (held by <wf>/<task>)`. */
  waiting_for?: string;
}

export interface SubmitOptions {
  workflowId?: string;
  /** Fan-in limit; undefined = fit automatically (DECISIONS §4.14); 0 = never rewrite (refuse if too wide). */
  maxFanIn?: number;
  /** `--idempotency-key` (wins over the definition's `idempotency_key`); the ID is derived from it. */
  idempotencyKey?: string;
  /** `--no-cache`: never serve this workflow's tasks from the task cache. */
  noCache?: boolean;
  /**
   * Who dispatches the roots (DECISIONS §4.16): `auto` (default) lets submit push them itself when the
   * prefix's lease is held by a coordinator that is not jobq; `always` / `never` force it either way.
   */
  dispatchRoots?: 'auto' | 'always' | 'never';
}

export interface SubmitResult {
  workflowId: string;
  name: string;
  taskCount: number;
  roots: string[];
  /** Fan-in chosen automatically because a task's message would not fit, else null. */
  autoFanIn: number | null;
  /** Idempotent submit: the key was already used with this definition; nothing was written. */
  alreadySubmitted?: boolean;
  /** True when submit pushed the roots itself (a coordinator that is not jobq), false when it sent `activate`. */
  rootsDispatchedBySubmit: boolean;
}

export interface BatchItemResult {
  source: string;
  workflow_id: string;
  task_count: number;
  elapsed_s: number;
  error: string | null;
  /** Idempotent submit found the workflow already submitted (nothing written). */
  already_submitted?: boolean;
}

export interface RetryCounters {
  reset: number;
  now_ready: number;
  still_pending: number;
}

export interface SummaryReport {
  workflows: Record<string, number>;
  total_workflows: number;
  total_tasks: number;
  completed_tasks: number;
  running_tasks: number;
  failed_tasks: number;
  pending_tasks: number;
  skipped_tasks: number;
}

export interface TaskFilter {
  status?: TaskState;
  queue?: string;
  prefix?: string;
}

export interface PurgeOptions {
  /** Include non-terminal workflows. */
  all?: boolean;
  dropTables?: boolean;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PurgeResult {
  workflows: number;
  tasks: 0;
}

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'info';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  message: string;
  hint: string | null;
}

export interface DoctorReport {
  checks: DoctorCheck[];
  summary: { pass: number; warn: number; fail: number; info: number };
}

export interface DoctorThresholds {
  stalePendingSec: number;
  staleRunningMin: number;
  staleReadyMin: number;
}

export interface Explanation {
  workflow_id: string;
  task?: string;
  name: string;
  status: string;
  summary: string;
  counts_by_state: Record<string, number>;
  blockers: string[];
  detail: Record<string, unknown>;
}

export type { IndexRow };
