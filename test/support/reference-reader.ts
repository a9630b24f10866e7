/**
 * How the reference (Python ai4s-jobq) reads what jobq writes, transcribed from its reading rules
 * rather than imported from src/: blobs are gunzipped when they start with `1f 8b` (else plain JSON),
 * every missing state key takes the default of reference §4.2 (`ts.get("completed_parents", 0)` …),
 * and index rows tolerate missing columns with the defaults of §4.4. Tests use it to check that a
 * mixed deployment shows the same numbers on both sides.
 */
import { gunzipSync } from 'node:zlib';

type Json = Record<string, unknown>;

/** `json.loads(gzip.decompress(b) if b[:2] == b"\x1f\x8b" else b)`. */
export function referenceDecodeBlob(bytes: Uint8Array): Json {
  const buf = Buffer.from(bytes);
  const text = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf;
  return JSON.parse(text.toString('utf8')) as Json;
}

const get = <T>(o: Json, key: string, dflt: T): T => (key in o ? (o[key] as T) : dflt);

/** The runtime record of one task as the reference rebuilds it from the def + state documents. */
export interface ReferenceTask {
  name: string;
  parents: string[];
  children: string[];
  queue: string;
  num_retries: number;
  dep_policy: string | number;
  state: string;
  completed_parents: number;
  failed_parents: number;
  output_ref: string | null;
  error: string | null;
  started_at: string | null;
  completed_at: string | null;
  attempt_no: number;
}

/** The workflow as the reference's `load` sees it (split form, §4.3). */
export interface ReferenceWorkflow {
  workflow_id: string;
  name: string;
  workflow_state: string;
  cancel_requested: boolean;
  tasks: ReferenceTask[];
}

/** Rebuild a workflow from its definition and state documents with the reference's defaults. */
export function referenceLoad(defDoc: Json, stateDoc: Json): ReferenceWorkflow {
  if (defDoc.v !== 1 || stateDoc.v !== 1) throw new Error('unsupported schema version');
  const defTasks = defDoc.tasks as Record<string, Json>;
  const stateTasks = get<Record<string, Json>>(stateDoc, 'tasks', {});
  const tasks: ReferenceTask[] = Object.entries(defTasks).map(([name, d]) => {
    const ts = stateTasks[name] ?? {};
    return {
      name,
      parents: d.parents as string[],
      children: d.children as string[],
      queue: d.queue as string,
      num_retries: d.num_retries as number,
      dep_policy: d.dep_policy as string | number,
      state: get(ts, 'state', 'pending'),
      completed_parents: get(ts, 'completed_parents', 0),
      failed_parents: get(ts, 'failed_parents', 0),
      output_ref: get<string | null>(ts, 'output_ref', null),
      error: get<string | null>(ts, 'error', null),
      started_at: get<string | null>(ts, 'started_at', null),
      completed_at: get<string | null>(ts, 'completed_at', null),
      attempt_no: get(ts, 'attempt_no', 0),
    };
  });
  return {
    workflow_id: stateDoc.workflow_id as string,
    name: defDoc.name as string,
    workflow_state: stateDoc.workflow_state as string,
    cancel_requested: get(stateDoc, 'cancel_requested', false),
    tasks,
  };
}

/** The per-task part of the reference's `status --json` (§7.4) for a loaded workflow. */
export function referenceTaskStatus(t: ReferenceTask): Json {
  return {
    name: t.name,
    status: t.state,
    depends_on: t.parents,
    dep_policy: String(t.dep_policy),
    completed_deps: t.completed_parents,
    failed_deps: t.failed_parents,
    queue: t.queue,
    error: t.error,
  };
}

/** The "Deps" cell of the reference's task table: `completed/total`, blank for roots. */
export function referenceDepsCell(t: ReferenceTask): string {
  return t.parents.length === 0 ? '' : `${t.completed_parents}/${t.parents.length}`;
}

/** An index row as the reference's reader sees it (§4.4: missing columns take defaults). */
export interface ReferenceIndexRow {
  workflow_id: string;
  name: string;
  workflow_state: string;
  cancel_requested: boolean;
  total_tasks: number;
  completed_tasks: number;
  failed_tasks: number;
  running_tasks: number;
  pending_tasks: number;
  skipped_tasks: number;
  default_queue: string;
  queues_used: string;
  error: string;
}

/** Read an index entity the way the reference does. */
export function referenceReadIndexRow(e: Json): ReferenceIndexRow {
  return {
    workflow_id: e.rowKey as string,
    name: get(e, 'name', ''),
    workflow_state: get(e, 'workflow_state', 'pending'),
    cancel_requested: get(e, 'cancel_requested', false),
    total_tasks: get(e, 'total_tasks', 0),
    completed_tasks: get(e, 'completed_tasks', 0),
    failed_tasks: get(e, 'failed_tasks', 0),
    running_tasks: get(e, 'running_tasks', 0),
    pending_tasks: get(e, 'pending_tasks', 0),
    skipped_tasks: get(e, 'skipped_tasks', 0),
    default_queue: get(e, 'default_queue', ''),
    queues_used: get(e, 'queues_used', ''),
    error: get(e, 'error', ''),
  };
}

/**
 * The columns the reference writes on every index row at creation (reference §4.4), in its order.
 * Written out here, not imported, so a row-shape change in src/ is a failing test.
 */
export const REFERENCE_INDEX_COLUMNS = [
  'name',
  'workflow_state',
  'cancel_requested',
  'total_tasks',
  'completed_tasks',
  'failed_tasks',
  'running_tasks',
  'pending_tasks',
  'skipped_tasks',
  'default_queue',
  'queues_used',
  'created_at',
  'updated_at',
  'error',
] as const;
