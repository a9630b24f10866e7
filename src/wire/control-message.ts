/**
 * Control messages on the completion queue (DECISIONS §4.2) and the coordinator's single decoder for
 * everything that arrives there.
 *
 * A control message is completion-shaped: `task_name` is the reserved `__jobq_control__` (task names
 * starting with `__jobq` are refused at submit) and the body carries a `control` object. A reference
 * coordinator parses it as a completion for an unknown task of that workflow and drops it as a
 * duplicate (or as an orphan when the workflow is unknown); jobq recognises it before treating it as
 * a completion.
 */
import {
  COMPLETION_BODY_KWARG,
  completionBodyObject,
  encodeCompletionEnvelope,
  type Completion,
} from './completion-message.js';
import { parseEnvelope } from './envelope.js';
import { decodeCanonicalCompletion } from './completion-fast-decode.js';

export const CONTROL_TASK_NAME = '__jobq_control__';
export const CONTROL_TYPES = ['activate', 'retry', 'cancel'] as const;
export type ControlType = (typeof CONTROL_TYPES)[number];

/** One more workflow named by a batch `activate` message (its `created_at` orders admission). */
export interface ActivateTarget {
  workflowId: string;
  createdAt?: string;
}

/** Most workflows one `activate` message names (about 80 bytes each: far below a queue message). */
export const MAX_ACTIVATE_BATCH = 200;

export type ControlMessage =
  | { type: 'activate'; workflowId: string; createdAt?: string; more?: ActivateTarget[] }
  | { type: 'retry'; workflowId: string }
  | { type: 'cancel'; workflowId: string };

export type CoordinatorMessage =
  | { kind: 'completion'; completion: Completion }
  | { kind: 'control'; control: ControlMessage }
  | { kind: 'poison'; reason: string };

/**
 * Encode a control message. `requestedAt` (default now) makes two requests of the same kind distinct
 * messages, so Service Bus duplicate detection (md5 id) never swallows a second `retry` or `cancel`.
 */
export function encodeControlMessage(c: ControlMessage, opts: { requestedAt?: string } = {}): string {
  const control: Record<string, unknown> = { type: c.type };
  if (c.type === 'activate' && c.createdAt !== undefined) control.created_at = c.createdAt;
  if (c.type === 'activate' && c.more?.length)
    control.more = c.more.map((t) =>
      t.createdAt === undefined
        ? { workflow_id: t.workflowId }
        : { workflow_id: t.workflowId, created_at: t.createdAt },
    );
  control.requested_at = opts.requestedAt ?? new Date().toISOString();
  const shell: Completion = {
    workflowId: c.workflowId,
    task: CONTROL_TASK_NAME,
    success: true,
    outputRef: null,
    error: null,
    attemptNo: null,
  };
  return encodeCompletionEnvelope(completionBodyObject(shell, { control })).body;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : null;
  } catch {
    return null;
  }
}

/** The completion JSON: `__completion_body` text, or the whole kwargs when it is absent or empty (§4.10). */
function completionJson(kwargs: Record<string, unknown>): Record<string, unknown> | string {
  const raw = kwargs[COMPLETION_BODY_KWARG];
  if (raw === undefined || raw === null || raw === '') return kwargs;
  if (isRecord(raw)) return raw;
  if (typeof raw !== 'string') return '__completion_body is neither JSON text nor an object';
  return parseJsonObject(raw) ?? '__completion_body is not a JSON object';
}

function successOf(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  return null;
}

function attemptOf(v: unknown): number | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,9}$/.test(v)) return Number(v);
  return undefined;
}

function optionalText(v: unknown): string | null | undefined {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : undefined;
}

function decodeCompletion(d: Record<string, unknown>): CoordinatorMessage {
  const { workflow_id: workflowId, task_name: task } = d;
  if (typeof workflowId !== 'string' || workflowId === '')
    return { kind: 'poison', reason: 'completion has no workflow_id' };
  if (typeof task !== 'string' || task === '')
    return { kind: 'poison', reason: 'completion has no task_name' };
  const success = successOf(d.success);
  if (success === null) return { kind: 'poison', reason: 'completion success is not a boolean' };
  const outputRef = optionalText(d.output_ref);
  if (outputRef === undefined) return { kind: 'poison', reason: 'completion output_ref is not a string' };
  const error =
    typeof d.error === 'string' || d.error === null || d.error === undefined
      ? (d.error ?? null)
      : JSON.stringify(d.error);
  const attemptNo = attemptOf(d.attempt_no);
  if (attemptNo === undefined) return { kind: 'poison', reason: 'completion attempt_no is not an integer' };
  return { kind: 'completion', completion: { workflowId, task, success, outputRef, error, attemptNo } };
}

/** The `more` list of a batch `activate`: null unless every entry names a workflow. */
function activateTargets(v: unknown): ActivateTarget[] | null {
  if (!Array.isArray(v) || v.length > MAX_ACTIVATE_BATCH) return null;
  const out: ActivateTarget[] = [];
  for (const e of v) {
    if (!isRecord(e) || typeof e.workflow_id !== 'string' || e.workflow_id === '') return null;
    if (e.created_at !== undefined && typeof e.created_at !== 'string') return null;
    out.push(
      typeof e.created_at === 'string'
        ? { workflowId: e.workflow_id, createdAt: e.created_at }
        : { workflowId: e.workflow_id },
    );
  }
  return out;
}

function decodeControl(workflowId: unknown, control: unknown): CoordinatorMessage {
  if (typeof workflowId !== 'string' || workflowId === '')
    return { kind: 'poison', reason: 'control message has no workflow_id' };
  if (!isRecord(control)) return { kind: 'poison', reason: 'control message has no control object' };
  switch (control.type) {
    case 'activate': {
      const createdAt = control.created_at;
      const activate: ControlMessage & { type: 'activate' } =
        typeof createdAt === 'string'
          ? { type: 'activate', workflowId, createdAt }
          : { type: 'activate', workflowId };
      if (control.more === undefined) return { kind: 'control', control: activate };
      const more = activateTargets(control.more);
      if (more === null) return { kind: 'poison', reason: 'activate message has a malformed workflow list' };
      return { kind: 'control', control: { ...activate, more } };
    }
    case 'retry':
    case 'cancel':
      return { kind: 'control', control: { type: control.type, workflowId } };
    default:
      return { kind: 'poison', reason: `unknown control type ${JSON.stringify(control.type)?.slice(0, 40)}` };
  }
}

/**
 * Decode anything found on the completion queue: a completion (tolerant of the reference's variants;
 * legacy hint fields `task_etag`/`task_depended_by`/`task_queue` are ignored), a control message, or a
 * typed poison verdict. Never throws.
 */
export function decodeCoordinatorMessage(body: string): CoordinatorMessage {
  // Nearly every message is a worker's completion in canonical form: decode it without JSON.parse.
  const fast = typeof body === 'string' ? decodeCanonicalCompletion(body) : null;
  if (fast !== null) return { kind: 'completion', completion: fast };
  const env = parseEnvelope(body);
  if (!env.ok) return { kind: 'poison', reason: env.reason };
  const d = completionJson(env.kwargs);
  if (typeof d === 'string') return { kind: 'poison', reason: d };
  if (d.task_name === CONTROL_TASK_NAME) return decodeControl(d.workflow_id, d.control);
  return decodeCompletion(d);
}
