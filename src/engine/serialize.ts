/**
 * Conversion between the compact runtime and the v1 documents of reference §4.2. The state document is
 * written compactly (DECISIONS §3): pending tasks with nothing to say are left out, fields holding their
 * default are left out. Every task keeps its completed_parents/failed_parents when non-zero, terminal ones
 * included: the reference's reader takes them as stored (`ts.get("completed_parents", 0)`), so only a
 * value equal to that default may be omitted.
 */
import {
  DEFAULT_QUEUE,
  DEFAULT_RESULT_POLICY,
  type ResultPolicy,
  type WorkflowDefinition,
} from '../model/types.js';
import type {
  DefinitionDocV1,
  DefinitionTaskDocV1,
  LegacyDocV1,
  StateDocV1,
  StateTaskDocV1,
} from '../wire/docs.js';
import type { WorkflowState } from './states.js';
import {
  PENDING,
  READY,
  READY_PENDING_BUDGET,
  STATE_NAMES,
  VERDICT_WAITING,
  decodePolicy,
  encodePolicy,
  policyVerdict,
  stateCode,
} from './codes.js';
import { buildTaskTable, type TaskTable } from './layout.js';
import type { TaskMachine } from './machine.js';
import { isoMs, isoSeconds, parseIsoMs, parseIsoSeconds } from './time.js';
import type { DepPolicy } from '../model/types.js';
import { EXTENSION_DOC_KEY, type DefinitionExtension } from '../model/extensions.js';
import type { StateExtension } from '../wire/docs.js';

/** Workflow-level fields held beside the task table. */
export interface WorkflowMeta {
  workflowId: string;
  name: string;
  defaultQueue: string;
  resultPolicy: ResultPolicy;
  maxParallelism: number | null;
  /** As stored (ISO-8601), kept verbatim so the definition document round-trips. */
  createdAt: string;
  updatedAtMs: number;
  error: string | null;
  /** The definition's jobq extension object, verbatim (DECISIONS §4.17). */
  extension: DefinitionExtension | null;
}

/** Build the task table of a parsed definition (timeouts resolved with `default_task_timeout_s`). */
export function tableFromDefinition(def: WorkflowDefinition): TaskTable {
  const defaultQueue = def.default_queue || DEFAULT_QUEUE;
  return buildTaskTable(
    def.tasks.map((t) => ({
      name: t.name,
      parents: t.depends_on,
      kwargsJson: JSON.stringify(t.kwargs ?? {}),
      queue: t.queue ?? defaultQueue,
      numRetries: t.num_retries ?? 0,
      policy: encodePolicy(t.dep_policy ?? 'all'),
      timeoutS: t.timeout_s ?? def.default_task_timeout_s ?? null,
      condition: t.condition ?? null,
    })),
  );
}

function policyOf(p: unknown): DepPolicy {
  if (p === 'any' || p === 'all_settled') return p;
  if (typeof p === 'number' && Number.isInteger(p) && p >= 1) return p;
  if (typeof p === 'string' && /^\d+$/.test(p) && Number(p) >= 1) return Number(p);
  return 'all';
}

/** `JSON.stringify(kwargs ?? {})`, without the call for the common empty object (a load does N of them). */
function kwargsJsonOf(kwargs: unknown): string {
  if (kwargs === undefined || kwargs === null) return '{}';
  if (typeof kwargs === 'object' && !Array.isArray(kwargs)) {
    for (const _ in kwargs) return JSON.stringify(kwargs);
    return '{}';
  }
  return JSON.stringify(kwargs);
}

/** Build the task table of a stored definition document. */
export function tableFromDefinitionDoc(
  tasks: Record<string, Partial<DefinitionTaskDocV1>>,
  defaultQueue: string,
): TaskTable {
  const specs: Parameters<typeof buildTaskTable>[0][number][] = [];
  for (const name in tasks) {
    const t = tasks[name];
    specs.push({
      name,
      parents: Array.isArray(t.parents) ? t.parents : [],
      kwargsJson: kwargsJsonOf(t.kwargs),
      queue: typeof t.queue === 'string' && t.queue ? t.queue : defaultQueue,
      numRetries: typeof t.num_retries === 'number' ? t.num_retries : 0,
      policy: encodePolicy(policyOf(t.dep_policy)),
      timeoutS: typeof t.timeout_s === 'number' ? t.timeout_s : null,
      condition: typeof t.condition === 'string' && t.condition ? t.condition : null,
    });
  }
  return buildTaskTable(specs);
}

/** Load per-task state from a state document into a fresh machine; unknown task names are ignored. */
export function loadTaskStates(m: TaskMachine, tasks: Record<string, StateTaskDocV1> | undefined): void {
  const t = m.table;
  for (const [name, e] of Object.entries(tasks ?? {})) {
    const i = t.indexOf(name);
    if (i < 0 || e === null || typeof e !== 'object') continue;
    const code = stateCode(e.state ?? 'pending');
    m.state[i] = code < 0 ? PENDING : code;
    m.attempt[i] = typeof e.attempt_no === 'number' && e.attempt_no > 0 ? e.attempt_no : 0;
    if (typeof e.output_ref === 'string') m.outputRefs.set(i, e.output_ref);
    if (typeof e.error === 'string') m.errors.set(i, e.error);
    m.startedAt[i] = parseIsoSeconds(e.started_at);
    m.completedAt[i] = parseIsoSeconds(e.completed_at);
  }
  m.recount();
}

/**
 * After loading: queue parked tasks (and READY ones if not yet activated — activation dispatches them;
 * READY tasks of an activated workflow are left to ready-repair, since a message may already be out),
 * and note pending tasks whose dependencies are already decided so the next step examines them.
 */
export function primeAfterLoad(m: TaskMachine): void {
  const t = m.table;
  for (let i = 0; i < t.size; i++) {
    const s = m.state[i];
    if (s === READY_PENDING_BUDGET || (s === READY && !m.activated)) m.enqueue(i);
    else if (s === PENDING) {
      const v = policyVerdict(t.policy[i], t.parentCount(i), m.doneParents[i], m.failedParents[i]);
      if (v !== VERDICT_WAITING) m.recheck.add(i);
    }
  }
}

/** The `.def.bin` document (reference §4.2 key set). */
export function writeDefinitionDoc(meta: WorkflowMeta, t: TaskTable): DefinitionDocV1 {
  const tasks: Record<string, DefinitionTaskDocV1> = {};
  for (let i = 0; i < t.size; i++) {
    tasks[t.name(i)] = {
      parents: t.parentsOf(i).map((p) => t.name(p)),
      children: t.childrenOf(i).map((c) => t.name(c)),
      queue: t.queue(i),
      num_retries: t.numRetries[i],
      dep_policy: decodePolicy(t.policy[i]),
      timeout_s: t.timeoutS[i] >= 0 ? t.timeoutS[i] : null,
      condition: t.conditions.get(i) ?? null,
      kwargs: JSON.parse(t.kwargsJson(i)) as Record<string, unknown>,
    };
  }
  return {
    v: 1,
    workflow_id: meta.workflowId,
    name: meta.name,
    default_queue: meta.defaultQueue,
    result_policy: meta.resultPolicy,
    max_parallelism: meta.maxParallelism,
    created_at: meta.createdAt,
    tasks,
    // One extra top-level key, only when used: the reference's readers pick the v1 keys by name.
    ...(meta.extension ? { [EXTENSION_DOC_KEY]: meta.extension } : {}),
  };
}

/**
 * One task's compact state entry, or null when every field holds its default. Its inputs are the
 * machine's state, doneParents, failedParents, outputRefs, errors, startedAt, completedAt and attempt
 * of task `i`: `engine/state-text.ts` re-encodes a task only when one of those changed, so a new input
 * here must be added to its change check too — and to `taskEntryJson`, the same entry as text (the
 * incremental-blob property test compares the two documents byte for byte).
 */
export function taskEntry(m: TaskMachine, i: number): StateTaskDocV1 | null {
  const s = m.state[i];
  const e: StateTaskDocV1 = {};
  if (s !== PENDING) e.state = STATE_NAMES[s];
  if (m.doneParents[i] > 0) e.completed_parents = m.doneParents[i];
  if (m.failedParents[i] > 0) e.failed_parents = m.failedParents[i];
  const ref = m.outputRefs.get(i);
  if (ref !== undefined) e.output_ref = ref;
  const err = m.errors.get(i);
  if (err !== undefined) e.error = err;
  if (m.startedAt[i] > 0) e.started_at = isoSeconds(m.startedAt[i]);
  if (m.completedAt[i] > 0) e.completed_at = isoSeconds(m.completedAt[i]);
  if (m.attempt[i] > 0) e.attempt_no = m.attempt[i];
  for (const _ in e) return e;
  return null;
}

/**
 * `JSON.stringify(taskEntry(m, i))` without the object, or '' when `taskEntry` is null: the state text
 * of every changed chunk is built from it at each flush, and a full document's worth of entry objects
 * (built, stringified, collected) was most of a first flush's cost. Same keys, same order, same
 * escaping (strings from outside go through `JSON.stringify`; state names and timestamps need none).
 */
export function taskEntryJson(m: TaskMachine, i: number): string {
  const s = m.state[i];
  let out = '';
  if (s !== PENDING) out = '"state":"' + STATE_NAMES[s] + '"';
  const done = m.doneParents[i];
  if (done > 0) out += (out === '' ? '' : ',') + '"completed_parents":' + String(done);
  const failed = m.failedParents[i];
  if (failed > 0) out += (out === '' ? '' : ',') + '"failed_parents":' + String(failed);
  const ref = m.outputRefs.get(i);
  if (ref !== undefined) out += (out === '' ? '' : ',') + '"output_ref":' + JSON.stringify(ref);
  const err = m.errors.get(i);
  if (err !== undefined) out += (out === '' ? '' : ',') + '"error":' + JSON.stringify(err);
  if (m.startedAt[i] > 0)
    out += (out === '' ? '' : ',') + '"started_at":"' + isoSeconds(m.startedAt[i]) + '"';
  if (m.completedAt[i] > 0)
    out += (out === '' ? '' : ',') + '"completed_at":"' + isoSeconds(m.completedAt[i]) + '"';
  const attempt = m.attempt[i];
  if (attempt > 0) out += (out === '' ? '' : ',') + '"attempt_no":' + String(attempt);
  return out === '' ? '' : '{' + out + '}';
}

/** The `.state.bin` document (reference §4.2 key set, compact per DECISIONS §3). */
export function writeStateDoc(meta: WorkflowMeta, m: TaskMachine, state: WorkflowState): StateDocV1 {
  const tasks: Record<string, StateTaskDocV1> = {};
  const t = m.table;
  for (let i = 0; i < t.size; i++) {
    const e = taskEntry(m, i);
    if (e !== null) tasks[t.name(i)] = e;
  }
  return stateDocWith(meta, m, state, tasks);
}

/** The state document's workflow-level keys around the given `tasks` object. */
export function stateDocWith(
  meta: WorkflowMeta,
  m: TaskMachine,
  state: WorkflowState,
  tasks: Record<string, StateTaskDocV1>,
): StateDocV1 {
  const doc: StateDocV1 = {
    v: 1,
    workflow_id: meta.workflowId,
    workflow_state: state,
    cancel_requested: m.cancelRequested,
    updated_at: isoMs(meta.updatedAtMs),
    error: meta.error,
    tasks,
  };
  const ext = stateExtension(m);
  if (ext) doc[EXTENSION_DOC_KEY] = ext;
  return doc;
}

/** The state document's jobq-only key: cache sources of completed tasks, the retry's no-cache flag. */
function stateExtension(m: TaskMachine): StateExtension | null {
  if (m.cachedFrom.size === 0 && !m.noCache && m.lockWaits.size === 0) return null;
  const ext: StateExtension = {};
  if (m.cachedFrom.size > 0) {
    const cached: Record<string, string> = {};
    for (const [i, src] of m.cachedFrom) cached[m.table.name(i)] = src;
    ext.cached = cached;
  }
  if (m.noCache) ext.no_cache = true;
  if (m.lockWaits.size > 0) {
    const waits: Record<string, number> = {};
    for (const i of [...m.lockWaits.keys()].sort((a, b) => a - b))
      waits[m.table.name(i)] = m.lockWaits.get(i)!;
    ext.lock_waits = waits;
  }
  return ext;
}

/** Read the state document's jobq-only key back into the machine (unknown tasks ignored). */
export function loadStateExtension(m: TaskMachine, ext: unknown): void {
  if (ext === null || typeof ext !== 'object') return;
  const e = ext as StateExtension;
  m.noCache = e.no_cache === true;
  if (e.cached && typeof e.cached === 'object') {
    for (const [name, src] of Object.entries(e.cached)) {
      const i = m.table.indexOf(name);
      if (i >= 0 && typeof src === 'string') m.cachedFrom.set(i, src);
    }
  }
  if (e.lock_waits && typeof e.lock_waits === 'object') {
    for (const [name, since] of Object.entries(e.lock_waits)) {
      const i = m.table.indexOf(name);
      // Only a READY task can be waiting (a reader that rewrote the state may have moved it on).
      if (i >= 0 && typeof since === 'number' && m.state[i] === READY) m.lockWaits.set(i, since);
    }
  }
}

/** Read the definition document's jobq-only key (anything but an object is ignored). */
function definitionExtension(raw: unknown): DefinitionExtension | null {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as DefinitionExtension) : null;
}

/** Workflow metadata of a definition document plus the state document's mutable fields. */
export function metaFromDocs(def: DefinitionDocV1, state: StateDocV1 | null): WorkflowMeta {
  const created = parseIsoMs(def.created_at);
  const updated = parseIsoMs(state?.updated_at);
  return {
    workflowId: def.workflow_id,
    name: def.name,
    defaultQueue: def.default_queue || DEFAULT_QUEUE,
    resultPolicy: def.result_policy === 'all_tasks_succeed' ? 'all_tasks_succeed' : DEFAULT_RESULT_POLICY,
    maxParallelism:
      typeof def.max_parallelism === 'number' && def.max_parallelism >= 1 ? def.max_parallelism : null,
    createdAt: def.created_at,
    updatedAtMs: Number.isFinite(updated) ? updated : Number.isFinite(created) ? created : 0,
    error: typeof state?.error === 'string' ? state.error : null,
    extension: definitionExtension(def[EXTENSION_DOC_KEY]),
  };
}

/** Split a legacy full document (reference §4.2) into its definition and state halves. */
export function splitLegacyDoc(doc: LegacyDocV1): { def: DefinitionDocV1; state: StateDocV1 } {
  const defTasks: Record<string, DefinitionTaskDocV1> = {};
  const stateTasks: Record<string, StateTaskDocV1> = {};
  for (const [name, t] of Object.entries(doc.tasks ?? {})) {
    defTasks[name] = {
      parents: t.parents ?? [],
      children: t.children ?? [],
      queue: t.queue,
      num_retries: t.num_retries,
      dep_policy: t.dep_policy,
      timeout_s: t.timeout_s,
      condition: t.condition,
      kwargs: t.kwargs,
    };
    stateTasks[name] = {
      state: t.state,
      output_ref: t.output_ref,
      error: t.error,
      started_at: t.started_at,
      completed_at: t.completed_at,
      attempt_no: t.attempt_no,
    };
  }
  const def: DefinitionDocV1 = {
    v: 1,
    workflow_id: doc.workflow_id,
    name: doc.name,
    default_queue: doc.default_queue,
    result_policy: doc.result_policy ?? DEFAULT_RESULT_POLICY,
    max_parallelism: doc.max_parallelism ?? null,
    created_at: doc.created_at,
    tasks: defTasks,
  };
  const state: StateDocV1 = {
    v: 1,
    workflow_id: doc.workflow_id,
    workflow_state: doc.workflow_state,
    cancel_requested: doc.cancel_requested ?? false,
    updated_at: doc.updated_at,
    error: doc.error ?? null,
    tasks: stateTasks,
  };
  return { def, state };
}
