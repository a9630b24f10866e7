/**
 * The lean client's endpoint: one Storage service (account URL of the blob, queue or table service)
 * over a keep-alive transport (`transport.ts`: jobq's own HTTP/1.1 over sockets, or Node's http). Each call is signed (Shared Key, SAS or bearer
 * token), bounded by a per-try timeout, and retried exactly as the SDK adapters' StorageRetryPolicy
 * does with jobq's STORAGE_RETRY: socket errors and 500/503 are retried with exponential back-off,
 * every other status is the caller's to translate (the same `statusCode`/`code` fields as the SDK's
 * RestError, so `adapters/azure/errors.ts` reads both).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { STORAGE_RETRY } from '../retry-options.js';
import {
  BearerTokenCache,
  sharedKeyStringToSign,
  tableSharedKeyLiteStringToSign,
  type StorageAuth,
} from './auth.js';
import { NodeHttpTransport } from './node-transport.js';
import { SocketTransport } from './socket-transport.js';
import { transportChoice, type HttpTransport, type TransportChoice } from './transport.js';
import { parseErrorBody } from './xml.js';

/** The REST API version every lean-client request names (supported by Azure and by Azurite ≥ 3.20). */
export const STORAGE_API_VERSION = '2021-12-02';

export interface RestCall {
  /** For error messages: `receive messages`, `write <container>/<blob>`, … */
  op: string;
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
  /** Path below the endpoint, percent-encoded, starting with '/'. */
  path: string;
  /** Query parameters, unencoded. */
  query?: ReadonlyArray<readonly [string, string]>;
  /** Extra headers, lowercase names. */
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface RestResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** An HTTP error answer, shaped like the SDK's RestError (`statusCode`, `code`, `details.errorCode`). */
export class StorageRestError extends Error {
  readonly details: { errorCode?: string };
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'RestError';
    this.details = { errorCode: code };
  }
}

export interface RetryOptions {
  maxTries: number;
  tryTimeoutInMs: number;
  retryDelayInMs: number;
  maxRetryDelayInMs: number;
}

/** The socket-level failures StorageRetryPolicy retries (matched on code, name or message). */
const RETRIABLE = [
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'ENOTFOUND',
  'TIMEOUT',
  'EPIPE',
  'REQUEST_SEND_ERROR',
];

/** The statuses StorageRetryPolicy (Blob, Queue) tries again. */
const STORAGE_RETRY_STATUSES: ReadonlySet<number> = new Set([500, 503]);
/**
 * The statuses the Table SDK's default pipeline tries again (core-rest-pipeline's exponential and
 * throttling policies: 408, 429 and every 5xx but 501 and 505).
 */
export const TABLE_RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** True for an error StorageRetryPolicy would try again: a retriable socket error or 500/503. */
export function isRetriable(err: unknown, statuses: ReadonlySet<number> = STORAGE_RETRY_STATUSES): boolean {
  if (err instanceof StorageRestError) return statuses.has(err.statusCode);
  const e = (err ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code.toUpperCase() : '';
  const text = `${String(e.name ?? '')} ${String(e.message ?? '')}`.toUpperCase();
  return RETRIABLE.some((r) => code === r || text.includes(r));
}

/** StorageRetryPolicy's exponential delay before try `attempt + 1`: (2^(attempt-1) − 1) × base, capped. */
export function retryDelayMs(attempt: number, o: RetryOptions): number {
  return Math.min((Math.pow(2, attempt - 1) - 1) * o.retryDelayInMs, o.maxRetryDelayInMs);
}

let dateSecond = -1;
let dateText = '';
/** `x-ms-date` for now; the string is rebuilt once per second, not per request. */
function msDate(): string {
  const s = Math.floor(Date.now() / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(s * 1000).toUTCString();
  }
  return dateText;
}

function queryString(query: RestCall['query'], sas: string | null): string {
  let q = '';
  if (query) for (const [k, v] of query) q += (q ? '&' : '?') + k + '=' + encodeURIComponent(v);
  if (sas) q += (q ? '&' : '?') + sas;
  return q;
}

const NO_QUERY: ReadonlyArray<readonly [string, string]> = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How a service wants Shared Key requests signed, and which answers it retries. */
export interface ServiceProfile {
  /** `storage`: Blob/Queue Shared Key; `table`: the Table service's Shared Key Lite (as the SDK signs). */
  signing: 'storage' | 'table';
  /** The x-ms-version sent. */
  apiVersion: string;
  retryStatuses: ReadonlySet<number>;
}

/** Blob and Queue Storage. */
export const STORAGE_PROFILE: ServiceProfile = {
  signing: 'storage',
  apiVersion: STORAGE_API_VERSION,
  retryStatuses: STORAGE_RETRY_STATUSES,
};

/** The API version of the Table requests (the one `@azure/data-tables` sends; Azurite supports it). */
export const TABLE_API_VERSION = '2019-02-02';

/** Table Storage. */
export const TABLE_PROFILE: ServiceProfile = {
  signing: 'table',
  apiVersion: TABLE_API_VERSION,
  retryStatuses: TABLE_RETRY_STATUSES,
};

/** One storage service endpoint (`http(s)://host[:port][/account]`) and how to authenticate to it. */
export class RestEndpoint {
  private readonly secure: boolean;
  private readonly hostname: string;
  private readonly port: number;
  /** Path of the endpoint itself ('' or `/devstoreaccount1` for path-style Azurite URLs). */
  private readonly basePath: string;
  private readonly transport: HttpTransport;
  private readonly tokens: BearerTokenCache | null;
  private readonly sas: string | null;

  constructor(
    readonly url: string,
    private readonly auth: StorageAuth,
    private readonly retry: RetryOptions = STORAGE_RETRY,
    private readonly profile: ServiceProfile = STORAGE_PROFILE,
    /** The wire: `JOBQ_HTTP_TRANSPORT`'s choice unless given. */
    transport: TransportChoice | HttpTransport = transportChoice(),
  ) {
    const u = new URL(url);
    this.secure = u.protocol === 'https:';
    this.hostname = u.hostname.replace(/^\[|\]$/g, '');
    this.port = u.port ? Number(u.port) : this.secure ? 443 : 80;
    this.basePath = u.pathname.replace(/\/+$/, '');
    this.transport =
      transport === 'socket'
        ? new SocketTransport(this.secure, this.hostname, this.port)
        : transport === 'node'
          ? new NodeHttpTransport(this.secure, this.hostname, this.port)
          : transport;
    this.tokens = auth.kind === 'token' ? new BearerTokenCache(auth.credential) : null;
    this.sas = auth.kind === 'sas' ? auth.query.replace(/^\?/, '') : null;
  }

  /** Send `call`, retrying transient failures; resolves with any 1xx–3xx answer, throws on 4xx/5xx. */
  send(call: RestCall): Promise<RestResult> {
    return this.attempt(call, 1);
  }

  /** Stop keeping idle sockets open. */
  close(): void {
    this.transport.close();
  }

  // Promise chains, not async functions: about one call per completion goes through here.
  private attempt(call: RestCall, attempt: number): Promise<RestResult> {
    return this.once(call).then(
      (res) => {
        if (res.status < 400) return res;
        return this.retryOrThrow(call, attempt, this.httpError(call, res));
      },
      (err: unknown) => this.retryOrThrow(call, attempt, err),
    );
  }

  private retryOrThrow(call: RestCall, attempt: number, err: unknown): Promise<RestResult> {
    if (attempt >= this.retry.maxTries || !isRetriable(err, this.profile.retryStatuses))
      return Promise.reject(err);
    return sleep(retryDelayMs(attempt, this.retry)).then(() => this.attempt(call, attempt + 1));
  }

  /** The headers of one try, signed (a bearer token is added by `once`). */
  private headersFor(call: RestCall, fullPath: string, bodyLength: number): Record<string, string> {
    const headers: Record<string, string> = {
      'x-ms-version': this.profile.apiVersion,
      'x-ms-date': msDate(),
    };
    if (call.headers) for (const k in call.headers) headers[k] = call.headers[k];
    if (bodyLength > 0 || call.method === 'PUT' || call.method === 'POST')
      headers['content-length'] = String(bodyLength);
    if (this.auth.kind !== 'shared-key') return headers;
    const cred = this.auth.credential;
    const query = call.query ?? NO_QUERY;
    if (this.profile.signing === 'table') {
      const toSign = tableSharedKeyLiteStringToSign(cred.accountName, fullPath, query, headers);
      headers.authorization = `SharedKeyLite ${cred.accountName}:${cred.computeHMACSHA256(toSign)}`;
    } else {
      const toSign = sharedKeyStringToSign(cred.accountName, {
        method: call.method,
        path: fullPath,
        query,
        headers,
      });
      headers.authorization = `SharedKey ${cred.accountName}:${cred.computeHMACSHA256(toSign)}`;
    }
    return headers;
  }

  private once(call: RestCall): Promise<RestResult> {
    const fullPath = this.basePath + call.path;
    const body =
      call.body === undefined
        ? undefined
        : typeof call.body === 'string'
          ? Buffer.from(call.body)
          : call.body;
    const headers = this.headersFor(call, fullPath, body?.length ?? 0);
    const path = fullPath + queryString(call.query, this.sas);
    const timeoutMs = this.retry.tryTimeoutInMs;
    const req = { op: call.op, method: call.method, path, headers, body, timeoutMs };
    if (!this.tokens) return this.transport.request(req);
    return this.tokens.get().then((token) => {
      headers.authorization = `Bearer ${token}`;
      return this.transport.request(req);
    });
  }

  private httpError(call: RestCall, res: RestResult): StorageRestError {
    const parsed = res.body.length > 0 ? parseAnyErrorBody(res.body.toString('utf8')) : {};
    const header = res.headers['x-ms-error-code'];
    const code = (typeof header === 'string' ? header : undefined) ?? parsed.code;
    const message = parsed.message ?? `${call.op}: HTTP ${res.status}${code ? ` ${code}` : ''}`;
    return new StorageRestError(message, res.status, code);
  }
}

/**
 * The code and message of an error answer: Blob/Queue XML (`<Error><Code>…`) or Table JSON
 * (`{"odata.error": {"code", "message": {"value"}}}`, any metadata level).
 */
export function parseAnyErrorBody(text: string): { code?: string; message?: string } {
  if (text.trimStart()[0] !== '{') return parseErrorBody(text);
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const e = (body['odata.error'] ?? body.error) as { code?: unknown; message?: unknown } | undefined;
    if (!e || typeof e !== 'object') return {};
    const m = e.message;
    const message =
      typeof m === 'string'
        ? m
        : m && typeof m === 'object' && typeof (m as { value?: unknown }).value === 'string'
          ? (m as { value: string }).value
          : undefined;
    return { code: typeof e.code === 'string' ? e.code : undefined, message: message?.split('\n')[0] };
  } catch {
    return {};
  }
}
