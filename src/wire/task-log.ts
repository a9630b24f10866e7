/**
 * The stored log of one task attempt (a jobq extension; the reference keeps none): gzip NDJSON whose
 * first line is the header (who ran it, when, how it ended, what was cut) and every further line one
 * output line `[epoch ms, stream, text]`. Written whole by the worker at each refresh and at the end.
 */
import { gzipSync, gunzipSync } from 'node:zlib';
import { BlobDecodeError, isGzip } from './blob-codec.js';

export const TASK_LOG_VERSION = 1;

/** Where a line came from: the task's stdout or stderr, or a note jobq itself added (cancel, errors). */
export type TaskLogStream = 'stdout' | 'stderr' | 'jobq';

export interface TaskLogLine {
  /** Epoch milliseconds when the worker read the line. */
  t: number;
  stream: TaskLogStream;
  text: string;
}

/** Everything about an attempt's log except its lines. */
export interface TaskLogHeader {
  v: typeof TASK_LOG_VERSION;
  workflow_id: string;
  task: string;
  attempt: number;
  /** `running`: a refresh written while the attempt ran; `final`: written when it ended. */
  state: 'running' | 'final';
  /** The worker that ran the attempt (`<host>-<pid>-<hex>`). */
  worker: string;
  started_at: string;
  /** When this version of the blob was written. */
  updated_at: string;
  ended_at: string | null;
  /** The command's exit code, or null (killed by a signal, never started, still running). */
  exit_code: number | null;
  signal: string | null;
  /** What the worker reported in the completion (null while running). */
  success: boolean | null;
  error: string | null;
  /** Lines and UTF-8 bytes dropped from the start to keep the log within `max_bytes`. */
  dropped_lines: number;
  dropped_bytes: number;
  /** Bytes of line text kept at most (the bound the worker applied). */
  max_bytes: number;
  /** Seconds between the worker's refreshes while the attempt runs (0: written only at the end). */
  refresh_s: number;
}

export interface TaskLogDoc extends TaskLogHeader {
  lines: TaskLogLine[];
}

const STREAM_CODE: Record<TaskLogStream, string> = { stdout: 'o', stderr: 'e', jobq: 'j' };
const CODE_STREAM: Record<string, TaskLogStream> = { o: 'stdout', e: 'stderr', j: 'jobq' };
/** Logs are written once per attempt plus refreshes, never on a hot path: compress them well. */
const GZIP_LEVEL = 6;

/** Encode a log as gzip NDJSON (header line, then one `[t, s, text]` array per line). */
export function encodeTaskLog(doc: TaskLogDoc): Buffer {
  const { lines, ...header } = doc;
  const parts = [JSON.stringify(header)];
  for (const l of lines) parts.push(JSON.stringify([l.t, STREAM_CODE[l.stream], l.text]));
  return gzipSync(Buffer.from(`${parts.join('\n')}\n`, 'utf8'), { level: GZIP_LEVEL });
}

function fail(what: string, why: string): never {
  throw new BlobDecodeError(`${what} is not a jobq task log: ${why}`);
}

function decodeHeader(line: string, what: string): TaskLogHeader {
  let h: unknown;
  try {
    h = JSON.parse(line);
  } catch (err) {
    fail(what, `header is not JSON (${(err as Error).message})`);
  }
  if (typeof h !== 'object' || h === null) fail(what, 'header is not an object');
  const r = h as Record<string, unknown>;
  if (r.v !== TASK_LOG_VERSION) fail(what, `unsupported version ${JSON.stringify(r.v)}`);
  if (typeof r.workflow_id !== 'string' || typeof r.task !== 'string' || typeof r.attempt !== 'number')
    fail(what, 'header lacks workflow_id, task or attempt');
  const str = (k: string): string | null => (typeof r[k] === 'string' ? (r[k] as string) : null);
  const num = (k: string): number => (typeof r[k] === 'number' ? (r[k] as number) : 0);
  return {
    v: TASK_LOG_VERSION,
    workflow_id: r.workflow_id,
    task: r.task,
    attempt: r.attempt,
    state: r.state === 'final' ? 'final' : 'running',
    worker: str('worker') ?? '',
    started_at: str('started_at') ?? '',
    updated_at: str('updated_at') ?? '',
    ended_at: str('ended_at'),
    exit_code: typeof r.exit_code === 'number' ? r.exit_code : null,
    signal: str('signal'),
    success: typeof r.success === 'boolean' ? r.success : null,
    error: str('error'),
    dropped_lines: num('dropped_lines'),
    dropped_bytes: num('dropped_bytes'),
    max_bytes: num('max_bytes'),
    refresh_s: num('refresh_s'),
  };
}

/** Decode a stored log; throws BlobDecodeError (one line) on anything that is not one. */
export function decodeTaskLog(bytes: Buffer, what = 'task log'): TaskLogDoc {
  if (!isGzip(bytes)) fail(what, 'not gzip');
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch (err) {
    fail(what, `corrupt gzip (${(err as Error).message})`);
  }
  const rows = text.split('\n');
  const header = decodeHeader(rows[0], what);
  const lines: TaskLogLine[] = [];
  for (let i = 1; i < rows.length; i++) {
    if (rows[i] === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(rows[i]);
    } catch {
      fail(what, `line ${i + 1} is not JSON`);
    }
    if (!Array.isArray(row) || typeof row[0] !== 'number' || typeof row[2] !== 'string')
      fail(what, `line ${i + 1} is not [t, stream, text]`);
    lines.push({ t: row[0], stream: CODE_STREAM[String(row[1])] ?? 'jobq', text: row[2] });
  }
  return { ...header, lines };
}
