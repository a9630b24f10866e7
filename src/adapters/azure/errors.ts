/** Translation of Azure SDK errors (RestError statusCode/code, socket errors) into the jobq taxonomy. */
import { StorageUnreachableError, TransientStorageError, isJobqError } from '../../errors.js';

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ESOCKETTIMEDOUT',
  'REQUEST_SEND_ERROR',
]);

/** The fields of an SDK error we look at (RestError and Node system errors). */
interface SdkErrorShape {
  statusCode?: number;
  code?: string;
  name?: string;
  message?: string;
  cause?: unknown;
  details?: { errorCode?: string };
}

function shape(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
}

/** HTTP status of an SDK error, if any. */
export function statusOf(err: unknown): number | undefined {
  return shape(err).statusCode;
}

/** Azure error code (`BlobAlreadyExists`, `LeaseAlreadyPresent`, …) of an SDK error, if any. */
export function errorCodeOf(err: unknown): string | undefined {
  const e = shape(err);
  return e.details?.errorCode ?? (typeof e.code === 'string' ? e.code : undefined);
}

function systemCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 4; depth++) {
    const e = shape(cur);
    if (typeof e.code === 'string' && /^E[A-Z]+$|REQUEST_SEND_ERROR/.test(e.code)) return e.code;
    const m = /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ETIMEDOUT|EPIPE)\b/.exec(
      e.message ?? '',
    );
    if (m) return m[1];
    cur = e.cause;
  }
  return undefined;
}

/** The one-line message for "nothing is listening" (DECISIONS §2); remote endpoints get network advice instead. */
export function unreachableMessage(endpoint: string, code?: string): string {
  if (/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(endpoint) || code === undefined) {
    return (
      `Cannot reach Azure Storage at ${endpoint}: nothing is listening. Start the embedded Azurite with ` +
      '`jobq azurite`, or set JOBQ_WORKFLOW_PREFIX=<account>/<prefix>.'
    );
  }
  return (
    `Cannot reach Azure Storage at ${endpoint} (${code}): check the account name and the network, ` +
    'or set JOBQ_WORKFLOW_PREFIX=<account>/<prefix>.'
  );
}

export function is404(err: unknown): boolean {
  return statusOf(err) === 404;
}
export function is409(err: unknown): boolean {
  return statusOf(err) === 409;
}
export function is412(err: unknown): boolean {
  return statusOf(err) === 412;
}

/**
 * Translate errors no operation-specific rule handled: already-jobq errors pass through; connection
 * refused → StorageUnreachableError; socket resets, timeouts, 408/429/5xx → TransientStorageError;
 * anything else is returned unchanged (a programming or permission error the caller should see).
 */
export function translateError(err: unknown, endpoint: string, op: string): unknown {
  if (isJobqError(err)) return err;
  const code = systemCode(err);
  if (code && UNREACHABLE_CODES.has(code))
    return new StorageUnreachableError(unreachableMessage(endpoint, code), { cause: err });
  const status = statusOf(err);
  const transient =
    (code && TRANSIENT_CODES.has(code)) ||
    status === 408 ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    shape(err).name === 'AbortError';
  if (transient) {
    const msg = shape(err).message ?? String(err);
    return new TransientStorageError(`${op} failed transiently at ${endpoint}: ${msg.split('\n')[0]}`, {
      cause: err,
    });
  }
  return err;
}

/** Run `fn`, rethrowing translated errors; `rules` map specific failures first (return undefined to skip). */
export async function guarded<T>(
  endpoint: string,
  op: string,
  fn: () => Promise<T>,
  rules?: (err: unknown) => Error | undefined,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const specific = rules?.(err);
    if (specific) throw specific;
    throw translateError(err, endpoint, op);
  }
}
