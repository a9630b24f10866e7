/**
 * Index row <-> table entity columns of reference §4.4, shared by the Azure and memory index stores.
 * Reads are tolerant: missing columns default, naive timestamps are UTC.
 */
import type { IndexColumns, IndexQuery, IndexRow } from '../ports/index-store.js';
import { WORKFLOW_STATES, type WorkflowState } from '../engine/states.js';

/** Entity columns (without PartitionKey/RowKey), as written to the table. */
export type IndexEntityColumns = Record<string, string | number | boolean | Date>;

const COUNT_COLUMNS = {
  totalTasks: 'total_tasks',
  completedTasks: 'completed_tasks',
  failedTasks: 'failed_tasks',
  runningTasks: 'running_tasks',
  pendingTasks: 'pending_tasks',
  skippedTasks: 'skipped_tasks',
} as const;

/** Owned columns → entity columns; only the keys present in `cols` are emitted (for merges). */
export function toEntityColumns(cols: Partial<IndexColumns>): IndexEntityColumns {
  const e: IndexEntityColumns = {};
  if (cols.name !== undefined) e.name = cols.name;
  if (cols.workflowState !== undefined) e.workflow_state = cols.workflowState;
  for (const [k, col] of Object.entries(COUNT_COLUMNS)) {
    const v = cols[k as keyof typeof COUNT_COLUMNS];
    if (v !== undefined) e[col] = v;
  }
  if (cols.defaultQueue !== undefined) e.default_queue = cols.defaultQueue;
  if (cols.queuesUsed !== undefined) e.queues_used = [...new Set(cols.queuesUsed)].sort().join(',');
  if (cols.createdAt !== undefined) e.created_at = new Date(cols.createdAt);
  if (cols.updatedAt !== undefined) e.updated_at = new Date(cols.updatedAt);
  if (cols.error !== undefined) e.error = cols.error ?? '';
  return e;
}

/**
 * Every column the reference writes when it creates a row (reference §4.4), in its order: the owned
 * columns plus `cancel_requested: false`. Only for a create-only insert, which cannot clobber a cancel.
 */
export function creationEntityColumns(cols: IndexColumns): IndexEntityColumns {
  const { name, workflow_state, ...rest } = toEntityColumns(cols);
  return { name, workflow_state, cancel_requested: false, ...rest };
}

/** Parse a datetime column: Date, ISO string (naive → UTC), or the SDK's `{value}` wrapper; missing → now. */
export function parseTimestamp(v: unknown, now = () => new Date()): string {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString();
  if (v && typeof v === 'object' && 'value' in v) return parseTimestamp((v as { value: unknown }).value, now);
  if (typeof v === 'string' && v.trim()) {
    const s = v.trim();
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(s);
    const d = new Date(hasZone ? s : `${s.replace(' ', 'T')}Z`);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  return now().toISOString();
}

function int(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === 'True' || v === 1;
}

function workflowState(v: unknown): WorkflowState {
  return (WORKFLOW_STATES as readonly string[]).includes(v as string) ? (v as WorkflowState) : 'pending';
}

/** Entity (with rowKey) → domain row, tolerating missing or oddly typed columns. */
export function fromEntity(e: Record<string, unknown>): IndexRow {
  const queues = typeof e.queues_used === 'string' && e.queues_used ? e.queues_used.split(',') : [];
  const error = typeof e.error === 'string' && e.error !== '' ? e.error : null;
  return {
    workflowId: String(e.rowKey ?? e.RowKey ?? ''),
    name: typeof e.name === 'string' ? e.name : '',
    workflowState: workflowState(e.workflow_state),
    cancelRequested: bool(e.cancel_requested),
    totalTasks: int(e.total_tasks),
    completedTasks: int(e.completed_tasks),
    failedTasks: int(e.failed_tasks),
    runningTasks: int(e.running_tasks),
    pendingTasks: int(e.pending_tasks),
    skippedTasks: int(e.skipped_tasks),
    defaultQueue: typeof e.default_queue === 'string' ? e.default_queue : '',
    queuesUsed: queues,
    createdAt: parseTimestamp(e.created_at),
    updatedAt: parseTimestamp(e.updated_at),
    error,
  };
}

/** Client-side form of an IndexQuery (the memory store, and a safety net after server filters). */
export function matchesQuery(row: IndexRow, q: IndexQuery = {}): boolean {
  if (q.states && q.states.length > 0 && !q.states.includes(row.workflowState)) return false;
  if (q.cancelRequested !== undefined && row.cancelRequested !== q.cancelRequested) return false;
  return true;
}

/** The 16 partition keys `wf-00` … `wf-0f`. */
export function shardPartitionKey(shard: number): string {
  if (!Number.isInteger(shard) || shard < 0 || shard > 15)
    throw new RangeError(`index shard must be 0..15, got ${shard}`);
  return `wf-${shard.toString(16).padStart(2, '0')}`;
}
