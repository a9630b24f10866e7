/** Workflow definition model (reference §1.2–1.3). Plain data, produced by the parser in `model/load.ts`. */
import type { CacheSpec } from './extensions.js';

export type DepPolicy = 'all' | 'any' | 'all_settled' | number;
export type ResultPolicy = 'all_sinks_succeed' | 'all_tasks_succeed';

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_RESULT_POLICY: ResultPolicy = 'all_sinks_succeed';
export const DEFAULT_MAX_FAN_IN = 4000;
/** kwargs key marking a fan-in merge node (reference §1.8). */
export const BATCH_MERGE_KWARG = '__batch_merge';
export const MERGE_PREFIX = '__merge_';

export interface TaskDefinition {
  name: string;
  kwargs: Record<string, unknown>;
  depends_on: string[];
  queue: string | null;
  dep_policy: DepPolicy;
  timeout_s: number | null;
  /** Number of *retries* (DECISIONS §4.1): a task runs at most num_retries + 1 times. */
  num_retries: number;
  condition?: string;
  /** jobq extension (DECISIONS §4.17): memoize the result. */
  cache?: CacheSpec;
  /** jobq extension: at most one running task across all workflows of the prefix holds it. */
  mutex?: string;
  /** jobq extension: at most N (configured) running tasks hold it. */
  semaphore?: string;
}

export interface WorkflowDefinition {
  name: string;
  tasks: TaskDefinition[];
  default_queue: string;
  default_task_timeout_s: number | null;
  max_parallelism: number | null;
  result_policy: ResultPolicy;
  /** jobq extension: the workflow ID is derived from it, so a repeated submit lands one workflow. */
  idempotency_key?: string;
}

export function isMergeNode(task: Pick<TaskDefinition, 'kwargs'>): boolean {
  return Boolean(task.kwargs[BATCH_MERGE_KWARG]);
}
