/** Task and workflow states (reference §2.1–2.2) and their predicate sets: shared vocabulary of the engine, the wire docs and the index rows. */

export const TASK_STATES = [
  'pending',
  'ready',
  'ready_pending_budget',
  'running',
  'completed',
  'failed',
  'skipped',
  'upstream_failed',
  'cancelled',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const WORKFLOW_STATES = [
  'pending',
  'running',
  'cancelling',
  'completed',
  'failed',
  'cancelled',
] as const;
export type WorkflowState = (typeof WORKFLOW_STATES)[number];

export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set([
  'completed',
  'failed',
  'skipped',
  'upstream_failed',
  'cancelled',
]);
export const ACTIVE_TASK_STATES: ReadonlySet<TaskState> = new Set([
  'pending',
  'ready',
  'ready_pending_budget',
  'running',
]);
export const DEP_SATISFIED_STATES: ReadonlySet<TaskState> = new Set(['completed', 'skipped']);
export const DEP_FAILED_STATES: ReadonlySet<TaskState> = new Set(['failed', 'upstream_failed', 'cancelled']);
export const TERMINAL_WORKFLOW_STATES: ReadonlySet<WorkflowState> = new Set([
  'completed',
  'failed',
  'cancelled',
]);

export function isTerminalWorkflowState(s: WorkflowState): boolean {
  return TERMINAL_WORKFLOW_STATES.has(s);
}
export function isTerminalTaskState(s: TaskState): boolean {
  return TERMINAL_TASK_STATES.has(s);
}
