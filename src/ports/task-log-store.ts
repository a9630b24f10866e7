import type { TaskLogDoc } from '../wire/task-log.js';

/**
 * The stored logs of task attempts (jobq extension, docs/workers.md "Task logs"): one blob per
 * `(workflow, task, attempt)` beside the outputs, `<prefix>-outputs/<wf>/__jobq_logs/<task>/attempt-<n>.log.gz`.
 * Written by workers (refreshes while the attempt runs, then once at its end), read by `jobq workflow
 * logs` and the dashboard, deleted with the workflow.
 */
export interface TaskLogStore {
  /** Create the container if missing (it is the outputs container). Idempotent. */
  ensureResources(): Promise<void>;
  /** Store (overwrite) the log of `doc.workflow_id` / `doc.task` / `doc.attempt`. */
  write(doc: TaskLogDoc): Promise<void>;
  /** The log of one attempt, or null when none is stored. A blob that is not a log → OutputFetchError. */
  read(workflowId: string, task: string, attempt: number): Promise<TaskLogDoc | null>;
  /** Attempt numbers that have a stored log, ascending. */
  attempts(workflowId: string, task: string): Promise<number[]>;
  /** Delete every log of a workflow; returns how many there were. */
  deleteLogs(workflowId: string): Promise<number>;
}
