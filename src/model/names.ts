/** Workflow IDs, task names and prefixes (DECISIONS §4.13): no name may escape its blob prefix or break a resource name. */
import { randomUUID } from 'node:crypto';
import { UsageError } from '../errors.js';
import { MERGE_PREFIX } from './types.js';

export const MAX_TASK_NAME_LENGTH = 256;
export const MAX_WORKFLOW_ID_LENGTH = 128;
/** Names the coordinator keeps for itself (e.g. `__jobq_control__`). */
export const RESERVED_TASK_PREFIX = '__jobq';

const WORKFLOW_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
/** Fast path: the common names (`train/rf-3`) need none of the detailed checks below. */
const PLAIN_TASK_NAME = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;
const PREFIX = /^[A-Za-z][A-Za-z0-9]*$/;
/** Longest prefix whose derived names (`<p>-workflow-completions`, `<p>WorkflowsIndex`) stay within 63 chars. */
export const MAX_PREFIX_LENGTH = 63 - '-workflow-completions'.length;

/** Throws UsageError unless `id` is 1–128 chars of `[A-Za-z0-9_.-]` starting alphanumeric. */
export function validateWorkflowId(id: string): void {
  if (typeof id !== 'string' || id.length === 0) throw new UsageError('workflow ID must not be empty');
  if (id.length > MAX_WORKFLOW_ID_LENGTH) {
    throw new UsageError(
      `workflow ID is ${id.length} characters long; the limit is ${MAX_WORKFLOW_ID_LENGTH}`,
    );
  }
  if (!WORKFLOW_ID.test(id)) {
    throw new UsageError(
      `invalid workflow ID ${JSON.stringify(id)}: use letters, digits, '_', '.' and '-', starting with a letter or digit`,
    );
  }
}

/** A fresh workflow ID: UUID4 as 32 lowercase hex characters (reference §1.7). */
export function generateWorkflowId(): string {
  return randomUUID().replaceAll('-', '');
}

/**
 * Why `name` is not a valid task name, or null if it is. Names may contain `/` (prefix groups such as
 * `train/rf` become blob paths) but never empty, `.` or `..` segments, which could escape the prefix.
 */
export function validateTaskName(name: string): string | null {
  // Names starting with `__` (reserved, `__proto__`) take the detailed path below.
  if (PLAIN_TASK_NAME.test(name) && name.length <= MAX_TASK_NAME_LENGTH && !name.startsWith('__'))
    return null;
  if (typeof name !== 'string' || name.trim() === '') return 'task name must be a non-empty string';
  if (name.length > MAX_TASK_NAME_LENGTH)
    return `task name is ${name.length} characters long; the limit is ${MAX_TASK_NAME_LENGTH}`;
  if (CONTROL_CHARS.test(name)) return 'task name must not contain control characters';
  const bad = ['\\', '#', '?'].find((c) => name.includes(c));
  if (bad) return `task name must not contain '${bad}'`;
  if (name.startsWith('/') || name.endsWith('/')) return "task name must not start or end with '/'";
  for (const segment of name.split('/')) {
    if (segment === '') return "task name must not contain '//' (empty path segment)";
    if (segment === '.' || segment === '..') return `task name must not contain a '${segment}' path segment`;
  }
  // Assigning `obj['__proto__']` replaces a prototype: refused so every name is safe as a plain-object key.
  if (name === '__proto__') return "'__proto__' is not allowed as a task name";
  if (name.startsWith(RESERVED_TASK_PREFIX))
    return `task names starting with '${RESERVED_TASK_PREFIX}' are reserved for jobq`;
  return null;
}

/** True for names only the fan-in transform may produce. */
export function isMergeName(name: string): boolean {
  return name.startsWith(MERGE_PREFIX);
}

/**
 * Throws UsageError unless `prefix` yields valid resource names: table `<prefix>WorkflowsIndex`
 * (alphanumeric, starts with a letter) and lowercase containers/queues `<prefix>-...` (≤ 63 chars).
 */
export function validatePrefix(prefix: string): void {
  if (typeof prefix !== 'string' || prefix.length === 0) throw new UsageError('prefix must not be empty');
  if (!PREFIX.test(prefix)) {
    throw new UsageError(
      `invalid prefix ${JSON.stringify(prefix)}: use letters and digits only, starting with a letter (it names the table ${prefix}WorkflowsIndex)`,
    );
  }
  if (prefix.length > MAX_PREFIX_LENGTH) {
    throw new UsageError(`prefix is ${prefix.length} characters long; the limit is ${MAX_PREFIX_LENGTH}`);
  }
}
