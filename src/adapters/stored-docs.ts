/**
 * Shape checks of decoded v1 documents (reference §4.2) and the legacy `<id>.json` split. Blobs come from
 * other processes and other implementations, so a wrong version or a missing key is a clear error.
 */
import type {
  DefinitionDocV1,
  LegacyDocV1,
  StateDocV1,
  StateTaskDocV1,
  DefinitionTaskDocV1,
} from '../wire/docs.js';

/** A stored document that cannot be used (unsupported version, missing mandatory keys). */
export class StoredDocError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoredDocError';
  }
}

type Json = Record<string, unknown>;

function asObject(raw: unknown, what: string): Json {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new StoredDocError(`${what} is not a JSON object`);
  return raw as Json;
}

function checkCommon(doc: Json, what: string, workflowId: string): void {
  if (doc.v !== 1) throw new StoredDocError(`${what}: unsupported schema version ${JSON.stringify(doc.v)}`);
  if (doc.workflow_id !== workflowId) {
    throw new StoredDocError(
      `${what}: workflow_id ${JSON.stringify(doc.workflow_id)} does not match '${workflowId}'`,
    );
  }
  if (typeof doc.tasks !== 'object' || doc.tasks === null || Array.isArray(doc.tasks)) {
    throw new StoredDocError(`${what}: 'tasks' must be an object`);
  }
}

/** Check a decoded `.def.bin` document. */
export function checkDefinitionDoc(raw: unknown, workflowId: string): DefinitionDocV1 {
  const what = `definition blob of ${workflowId}`;
  const doc = asObject(raw, what);
  checkCommon(doc, what, workflowId);
  if (typeof doc.created_at !== 'string') throw new StoredDocError(`${what}: 'created_at' is mandatory`);
  return doc as unknown as DefinitionDocV1;
}

/** Check a decoded `.state.bin` document. */
export function checkStateDoc(raw: unknown, workflowId: string): StateDocV1 {
  const what = `state blob of ${workflowId}`;
  const doc = asObject(raw, what);
  checkCommon(doc, what, workflowId);
  if (typeof doc.workflow_state !== 'string')
    throw new StoredDocError(`${what}: 'workflow_state' is mandatory`);
  if (typeof doc.updated_at !== 'string') throw new StoredDocError(`${what}: 'updated_at' is mandatory`);
  return doc as unknown as StateDocV1;
}

const DEF_TASK_KEYS = [
  'parents',
  'children',
  'queue',
  'num_retries',
  'dep_policy',
  'timeout_s',
  'condition',
  'kwargs',
] as const;
const STATE_TASK_KEYS = [
  'state',
  'completed_parents',
  'failed_parents',
  'output_ref',
  'error',
  'started_at',
  'completed_at',
  'attempt_no',
] as const;

/** Split a legacy full document into the definition and state documents (reference §4.2). */
export function splitLegacyDoc(
  raw: unknown,
  workflowId: string,
): { def: DefinitionDocV1; state: StateDocV1 } {
  const what = `legacy blob of ${workflowId}`;
  const doc = asObject(raw, what);
  checkCommon(doc, what, workflowId);
  if (typeof doc.created_at !== 'string' || typeof doc.updated_at !== 'string') {
    throw new StoredDocError(`${what}: 'created_at' and 'updated_at' are mandatory`);
  }
  const legacy = doc as unknown as LegacyDocV1;
  const defTasks: Record<string, DefinitionTaskDocV1> = {};
  const stateTasks: Record<string, StateTaskDocV1> = {};
  for (const [name, task] of Object.entries(legacy.tasks)) {
    const t = task as unknown as Json;
    const d: Json = {};
    for (const k of DEF_TASK_KEYS) d[k] = t[k];
    d.parents ??= [];
    d.children ??= [];
    d.kwargs ??= {};
    defTasks[name] = d as unknown as DefinitionTaskDocV1;
    const s: Json = {};
    for (const k of STATE_TASK_KEYS) if (t[k] !== undefined) s[k] = t[k];
    stateTasks[name] = s as StateTaskDocV1;
  }
  const def: DefinitionDocV1 = {
    v: 1,
    workflow_id: workflowId,
    name: legacy.name,
    default_queue: legacy.default_queue,
    result_policy: legacy.result_policy ?? 'all_sinks_succeed',
    max_parallelism: legacy.max_parallelism ?? null,
    created_at: legacy.created_at,
    tasks: defTasks,
  };
  const state: StateDocV1 = {
    v: 1,
    workflow_id: workflowId,
    workflow_state: legacy.workflow_state,
    cancel_requested: legacy.cancel_requested ?? false,
    updated_at: legacy.updated_at,
    error: legacy.error ?? null,
    tasks: stateTasks,
  };
  return { def, state };
}
