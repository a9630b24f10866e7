/**
 * The base-jobq `Task` envelope every queue message uses (reference §4.8, §4.10):
 * `{"version": 1, "reply_requested": false, "kwargs": "<JSON text>", "num_retries": 0, "id": "<id>"}`.
 * `kwargs` is JSON text inside JSON. Parsing is total: it never throws, it returns a typed failure.
 */
import { createHash } from 'node:crypto';

export const ENVELOPE_VERSION = 1;

/** A parsed envelope: the id (null when absent) and the decoded kwargs object. */
export type ParsedEnvelope =
  { ok: true; id: string | null; kwargs: Record<string, unknown> } | { ok: false; reason: string };

const NON_ASCII = /[\u007f-\uffff]/g;

/**
 * Serialise like Python's `json.dumps` with default options (separators `", "`/`": "`, `ensure_ascii`),
 * so completions jobq writes are byte-identical to the reference's and get the same md5 id.
 * Floats that are integral print as integers (JSON text does not keep the difference).
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      NON_ASCII,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v)).join(', ')}]`;
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) parts.push(`${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`);
    }
    return `{${parts.join(', ')}}`;
  }
  return 'null';
}

/** md5 hex of the UTF-8 text (base jobq's deterministic message id). */
export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * The envelope as base jobq serialises it when it generates the id itself (`JOBQ_DETERMINISTIC_IDS`,
 * the default): Python `json.dumps` formatting, id = md5 of the id-less envelope text.
 */
export function encodePythonEnvelope(kwargs: Record<string, unknown>): { id: string; body: string } {
  const idless = {
    version: ENVELOPE_VERSION,
    reply_requested: false,
    kwargs: pythonJsonDumps(kwargs),
    num_retries: 0,
  };
  const id = md5Hex(pythonJsonDumps(idless));
  return { id, body: pythonJsonDumps({ ...idless, id }) };
}

/**
 * The compact envelope jobq uses for task messages (JSON.stringify, explicit id): smaller than Python's
 * spaced form, which matters at wide fan-in. `kwargsJson` must be a JSON object text.
 */
export function encodeCompactEnvelope(kwargsJson: string, id: string): string {
  return `{"version":1,"reply_requested":false,"kwargs":${JSON.stringify(kwargsJson)},"num_retries":0,"id":${JSON.stringify(id)}}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function safeJsonParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Parse an envelope body. Accepts versions 0 and 1 (as base jobq does) and, tolerantly, `kwargs` given
 * as an object instead of JSON text. Never throws.
 */
export function parseEnvelope(body: unknown): ParsedEnvelope {
  if (typeof body !== 'string') return { ok: false, reason: 'message body is not text' };
  const parsed = safeJsonParse(body);
  if (!parsed.ok) return { ok: false, reason: 'message body is not JSON' };
  const env = parsed.value;
  if (!isRecord(env)) return { ok: false, reason: 'message body is not a JSON object' };
  if (env.version !== undefined && env.version !== 0 && env.version !== 1) {
    return { ok: false, reason: `unsupported envelope version ${JSON.stringify(env.version)}` };
  }
  let kwargs: unknown = env.kwargs;
  if (typeof kwargs === 'string') {
    const inner = safeJsonParse(kwargs);
    if (!inner.ok) return { ok: false, reason: 'envelope kwargs is not valid JSON text' };
    kwargs = inner.value;
  }
  if (!isRecord(kwargs)) return { ok: false, reason: 'envelope kwargs is not a JSON object' };
  const id = typeof env.id === 'string' ? env.id : null;
  return { ok: true, id, kwargs };
}

/** The envelope `id` of a body, or null (used to derive Service Bus message ids). Never throws. */
export function envelopeIdOf(body: string): string | null {
  const parsed = safeJsonParse(body);
  return parsed.ok && isRecord(parsed.value) && typeof parsed.value.id === 'string' ? parsed.value.id : null;
}
