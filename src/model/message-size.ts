/** Size of the task message a task produces (reference §4.7–4.8), for the submit-time limit check. */

/** Storage Queue message limit (64 KiB). */
export const STORAGE_QUEUE_MAX_MESSAGE_BYTES = 65_536;
/** Length of a generated workflow ID (UUID4 hex). */
export const DEFAULT_WORKFLOW_ID_LENGTH = 32;

/**
 * Exact UTF-8 byte length of the task envelope `{"version":1,"reply_requested":false,"kwargs":"<json>",
 * "num_retries":0,"id":"<wf>/<task>/<attempt>"}`, where kwargs carry the workflow keys and, for a task
 * with parents, `__upstream_outputs_compact = {"s":[parents...]}` (every parent with a canonical blob
 * ref: the smallest realistic form).
 */
export function taskMessageBytes(
  workflowId: string,
  taskName: string,
  kwargs: Record<string, unknown>,
  parentNames: string[],
  attemptNo = 1,
): number {
  const wire: Record<string, unknown> = {
    ...kwargs,
    __workflow_id: workflowId,
    __workflow_task: taskName,
    __attempt_no: attemptNo,
  };
  if (parentNames.length > 0) wire.__upstream_outputs_compact = { s: parentNames };
  const envelope = {
    version: 1,
    reply_requested: false,
    kwargs: JSON.stringify(wire),
    num_retries: 0,
    id: `${workflowId}/${taskName}/${attemptNo}`,
  };
  return Buffer.byteLength(JSON.stringify(envelope), 'utf8');
}

/**
 * A cheap upper bound of `taskMessageBytes` (one small JSON.stringify, no envelope), so validating
 * 100,000 tasks only computes exact sizes for the few that might not fit. Each character of the kwargs
 * JSON costs at most 3 bytes once escaped into the envelope and encoded; each character of a raw name
 * at most 7 (a control character becomes `\\u0001`).
 */
export function taskMessageBytesUpperBound(
  workflowIdLength: number,
  taskName: string,
  kwargs: Record<string, unknown>,
  parentNames: readonly string[],
  attemptNo = 1,
): number {
  let parentChars = 0;
  for (const p of parentNames) parentChars += p.length;
  const kwargsChars = (JSON.stringify(kwargs) ?? '').length;
  const attemptDigits = 2 * String(attemptNo).length;
  return (
    3 * kwargsChars +
    7 * (2 * workflowIdLength + 2 * taskName.length + parentChars) +
    12 * parentNames.length +
    attemptDigits +
    256
  );
}
