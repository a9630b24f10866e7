import type { WorkflowState } from '../engine/states.js';
import type { Runtime } from '../engine/api.js';

/** One row of `<prefix>WorkflowsIndex` (reference §4.4), in domain form. */
export interface IndexRow {
  workflowId: string;
  name: string;
  workflowState: WorkflowState;
  cancelRequested: boolean;
  totalTasks: number;
  completedTasks: number;
  failedTasks: number;
  runningTasks: number;
  pendingTasks: number;
  skippedTasks: number;
  defaultQueue: string;
  queuesUsed: string[];
  /** ISO-8601 */
  createdAt: string;
  /** ISO-8601 */
  updatedAt: string;
  error: string | null;
}

/** The columns a writer owns. `cancelRequested` is deliberately absent: only the cancel/retry calls touch it. */
export type IndexColumns = Omit<IndexRow, 'workflowId' | 'cancelRequested'>;

/** Columns that follow a workflow's progress: what the coordinator refreshes after a flush. */
export type ProgressColumns = Pick<
  IndexColumns,
  | 'workflowState'
  | 'totalTasks'
  | 'completedTasks'
  | 'failedTasks'
  | 'runningTasks'
  | 'pendingTasks'
  | 'skippedTasks'
  | 'updatedAt'
  | 'error'
>;

/** A runtime's progress as index columns. */
export function progressColumnsOf(rt: Runtime): ProgressColumns {
  const s = rt.summary();
  return {
    workflowState: rt.state,
    totalTasks: s.total,
    completedTasks: s.completed,
    failedTasks: s.failed,
    runningTasks: s.running,
    pendingTasks: s.pending,
    skippedTasks: s.skipped,
    updatedAt: rt.updatedAt,
    error: rt.error,
  };
}

export interface IndexQuery {
  states?: WorkflowState[];
  cancelRequested?: boolean;
}

export const INDEX_SHARDS = 16;

/** PartitionKey shard of a workflow ID: sum of code points & 0x0f (reference §4.4). */
export function shardOf(workflowId: string): number {
  let sum = 0;
  for (const ch of workflowId) sum += ch.codePointAt(0)!;
  return sum & 0x0f;
}

export function partitionKeyOf(workflowId: string): string {
  return `wf-${shardOf(workflowId).toString(16).padStart(2, '0')}`;
}

/**
 * The workflow index table. Writes merge only the columns the writer owns (DECISIONS §4.5), so no
 * writer can clear a user's `cancel_requested`.
 */
export interface IndexStore {
  ensureResources(): Promise<void>;
  /**
   * Create the row with every column the reference writes at creation (`cancel_requested: false`
   * included, reference §4.4) by a create-only insert; if the row already exists, merge the owned
   * columns instead, so a user's cancel is never cleared.
   */
  upsert(workflowId: string, cols: IndexColumns): Promise<void>;
  /** Merge a subset of owned columns into an existing row (no-op if the row is gone). */
  update(workflowId: string, cols: Partial<IndexColumns>): Promise<void>;
  get(workflowId: string): Promise<IndexRow | null>;
  /** Set the flag; returns true if it was newly set. Throws WorkflowNotFoundError when there is no row. */
  requestCancel(workflowId: string): Promise<boolean>;
  /** Point read of the flag; false for a missing row. */
  getCancelRequested(workflowId: string): Promise<boolean>;
  /** Clear the flag (workflow retry). */
  clearCancelRequested(workflowId: string): Promise<void>;
  /** Rows of one shard (0..15) matching the query. */
  listShard(shard: number, query?: IndexQuery): Promise<IndexRow[]>;
  /** Rows of all shards matching the query. */
  list(query?: IndexQuery): Promise<IndexRow[]>;
  /**
   * Rows of all shards matching the query, fetched by ONE query across the partitions (the service
   * filters on the columns): one transaction per result page instead of one per shard. For selective
   * queries (`workflow_state eq 'pending'`) that run often; `list` suits big result sets better.
   */
  scan(query: IndexQuery): Promise<IndexRow[]>;
  delete(workflowId: string): Promise<boolean>;
  dropResources(): Promise<void>;
}
