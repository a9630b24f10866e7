/**
 * Completion messages (worker → completion queue, reference §4.10): a base-jobq envelope whose kwargs
 * are exactly `{"__completion_body": "<completion JSON>"}`, `num_retries` 0, id = md5 of the id-less
 * envelope. jobq writes them byte-for-byte as the Python worker does (Python `json.dumps` formatting),
 * so the md5 id is the same for the same completion and Service Bus duplicate detection works across both.
 */
import { encodePythonEnvelope, pythonJsonDumps } from './envelope.js';

export const COMPLETION_BODY_KWARG = '__completion_body';

export interface Completion {
  workflowId: string;
  task: string;
  success: boolean;
  /** Inline JSON text or a `blob:` ref; null when the task produced no output. */
  outputRef: string | null;
  error: string | null;
  /** The attempt that produced it (1-based); null for legacy workers (no staleness check). */
  attemptNo: number | null;
}

/** The completion JSON keys in the reference's order; `attempt_no` only when not null. */
export function completionBodyObject(
  c: Completion,
  extra?: Record<string, unknown>,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    workflow_id: c.workflowId,
    task_name: c.task,
    success: c.success,
    output_ref: c.outputRef,
    error: c.error,
  };
  if (extra) Object.assign(body, extra);
  if (c.attemptNo !== null) body.attempt_no = c.attemptNo;
  return body;
}

/** Encode a completion message body exactly as the reference worker does. */
export function encodeCompletionMessage(c: Completion): string {
  return encodeCompletionEnvelope(completionBodyObject(c)).body;
}

/** The envelope around a completion-shaped body, with its md5 id. */
export function encodeCompletionEnvelope(body: Record<string, unknown>): { id: string; body: string } {
  // JSON text inside JSON text inside JSON text, each level formatted like Python's json.dumps.
  return encodePythonEnvelope({ [COMPLETION_BODY_KWARG]: pythonJsonDumps(body) });
}
