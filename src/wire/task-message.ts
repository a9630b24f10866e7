/**
 * Task messages (coordinator → task queue, reference §4.8): a base-jobq envelope whose kwargs are the
 * task's kwargs plus `__workflow_id`, `__workflow_task`, `__attempt_no` and, for tasks with parents,
 * `__upstream_outputs_compact`. Message id `<wf>/<task>/<attempt>`.
 */
import {
  COMPACT_REFS_KWARG,
  LEGACY_REFS_KWARG,
  decodeCompactRefs,
  decodeLegacyRefs,
  encodeCompactRefs,
} from './compact-refs.js';
import { encodeCompactEnvelope, parseEnvelope } from './envelope.js';

export const WORKFLOW_ID_KWARG = '__workflow_id';
export const WORKFLOW_TASK_KWARG = '__workflow_task';
export const ATTEMPT_NO_KWARG = '__attempt_no';
/** Legacy spelling of the task-name kwarg, accepted on read. */
export const LEGACY_TASK_NAME_KWARG = '__task_name';
/** Merge-node kwargs (reference §1.8) that stay visible to the worker. */
export const MERGE_KWARGS: ReadonlySet<string> = new Set(['__batch_merge', '__target', '__batch']);

const RESERVED_KWARGS = [WORKFLOW_ID_KWARG, WORKFLOW_TASK_KWARG, ATTEMPT_NO_KWARG, COMPACT_REFS_KWARG];

export interface TaskMessageInput {
  workflowId: string;
  task: string;
  attemptNo: number;
  /** The task's own kwargs as compact JSON object text (as the definition stores them); '' means `{}`. */
  kwargsJson: string;
  /** `[parent, output_ref]` pairs, or null for a task without parents / when refs are dropped. */
  upstreamRefs: [string, string | null][] | null;
}

export type DecodedTask =
  | {
      kind: 'workflow';
      id: string;
      workflowId: string;
      task: string;
      /** null when the message carries no usable attempt number (legacy producers). */
      attemptNo: number | null;
      /** The task's own kwargs: every `__` key removed except the merge-node keys. */
      kwargs: Record<string, unknown>;
      /** `{parent → ref}` from the compact (preferred) or legacy kwarg; null when neither is present. */
      upstreamRefs: Record<string, string | null> | null;
    }
  | { kind: 'plain'; id: string; kwargs: Record<string, unknown> }
  | { kind: 'poison'; reason: string };

/** The deterministic message id of a task attempt (Service Bus de-duplicates on it). */
export function taskMessageId(workflowId: string, task: string, attemptNo: number): string {
  return `${workflowId}/${task}/${attemptNo}`;
}

const KEY_WORKFLOW_ID = `${JSON.stringify(WORKFLOW_ID_KWARG)}:`;
const KEY_WORKFLOW_TASK = `,${JSON.stringify(WORKFLOW_TASK_KWARG)}:`;
const KEY_ATTEMPT_NO = `,${JSON.stringify(ATTEMPT_NO_KWARG)}:`;
const KEY_COMPACT_REFS = `,${JSON.stringify(COMPACT_REFS_KWARG)}:`;

function jobqKwargsSuffix(m: TaskMessageInput): string {
  let out =
    KEY_WORKFLOW_ID +
    JSON.stringify(m.workflowId) +
    KEY_WORKFLOW_TASK +
    JSON.stringify(m.task) +
    KEY_ATTEMPT_NO +
    JSON.stringify(m.attemptNo);
  const compact = m.upstreamRefs ? encodeCompactRefs(m.workflowId, m.upstreamRefs) : null;
  if (compact) out += KEY_COMPACT_REFS + JSON.stringify(compact);
  return out;
}

/**
 * The kwargs object text of a task message. Splices the jobq keys after the task's own kwargs text (no
 * re-parse on the hot path), which equals `JSON.stringify({...kwargs, __workflow_id, ...})` for compact
 * input; falls back to parse-and-merge when the task's kwargs already use a reserved key.
 */
export function taskKwargsJson(m: TaskMessageInput): string {
  const own = m.kwargsJson.trim();
  const suffix = jobqKwargsSuffix(m);
  if (own === '' || own === '{}') return `{${suffix}}`;
  // One scan for the common prefix of the reserved keys before checking each of them.
  const mayClash = own.includes('"__') && RESERVED_KWARGS.some((k) => own.includes(`"${k}"`));
  if (!mayClash && own.startsWith('{') && own.endsWith('}')) {
    return `${own.slice(0, -1)},${suffix}}`;
  }
  const merged = { ...(JSON.parse(own) as Record<string, unknown>) };
  for (const k of RESERVED_KWARGS) delete merged[k];
  return `${JSON.stringify(merged).slice(0, -1)}${Object.keys(merged).length ? ',' : ''}${suffix}}`;
}

/** Encode a task message: the envelope body and its id `<wf>/<task>/<attempt>`. Does not check size. */
export function encodeTaskMessage(m: TaskMessageInput): { id: string; body: string } {
  const id = taskMessageId(m.workflowId, m.task, m.attemptNo);
  return { id, body: encodeCompactEnvelope(taskKwargsJson(m), id) };
}

function attemptOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,9}$/.test(v)) return Number(v);
  return null;
}

function upstreamOf(
  workflowId: string,
  kwargs: Record<string, unknown>,
): Record<string, string | null> | null {
  const compact = kwargs[COMPACT_REFS_KWARG];
  if (typeof compact === 'object' && compact !== null && Object.keys(compact).length > 0) {
    return decodeCompactRefs(workflowId, compact);
  }
  return decodeLegacyRefs(kwargs[LEGACY_REFS_KWARG]);
}

function ownKwargs(kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) {
    if (!k.startsWith('__') || MERGE_KWARGS.has(k)) out[k] = v;
  }
  return out;
}

/**
 * Decode a task-queue message. Workflow tasks (with `__workflow_id` and a task name) are separated from
 * plain base-jobq tasks; anything unreadable is a typed poison verdict. Never throws.
 */
export function decodeTaskMessage(body: string): DecodedTask {
  const env = parseEnvelope(body);
  if (!env.ok) return { kind: 'poison', reason: env.reason };
  const { kwargs } = env;
  const workflowId = kwargs[WORKFLOW_ID_KWARG];
  if (workflowId === undefined) return { kind: 'plain', id: env.id ?? '', kwargs };
  const task = kwargs[WORKFLOW_TASK_KWARG] ?? kwargs[LEGACY_TASK_NAME_KWARG];
  if (typeof workflowId !== 'string' || workflowId === '') {
    return { kind: 'poison', reason: '__workflow_id is not a non-empty string' };
  }
  if (typeof task !== 'string' || task === '') {
    return { kind: 'poison', reason: 'workflow task message has no __workflow_task' };
  }
  const attemptNo = attemptOf(kwargs[ATTEMPT_NO_KWARG]);
  return {
    kind: 'workflow',
    id: env.id ?? taskMessageId(workflowId, task, attemptNo ?? 0),
    workflowId,
    task,
    attemptNo,
    kwargs: ownKwargs(kwargs),
    upstreamRefs: upstreamOf(workflowId, kwargs),
  };
}
