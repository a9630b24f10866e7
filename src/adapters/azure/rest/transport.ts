/**
 * The wire under the lean client: one request, one buffered answer. Two implementations: `socket`
 * (default, `socket-transport.ts`: HTTP/1.1 written and parsed by jobq over pooled `net`/`tls`
 * sockets, a fraction of Node's http client's CPU per call) and `node` (`node-transport.ts`: Node's
 * own `http`/`https` with a keep-alive agent). Chosen by `JOBQ_HTTP_TRANSPORT`; retries, signing
 * and error translation stay in `http.ts` above either.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ConfigError } from '../../../errors.js';

export interface TransportRequest {
  /** For the timeout's message: `receive messages`, `write <container>/<blob>`, … */
  op: string;
  method: string;
  /** Path and query string as sent (percent-encoded). */
  path: string;
  /** Lowercase names; `host` is added by the transport. */
  headers: Record<string, string>;
  body: Buffer | undefined;
  /** The try fails with ETIMEDOUT when no whole answer arrived within this long. */
  timeoutMs: number;
}

export interface TransportResponse {
  status: number;
  /** Lowercase names; repeated headers joined with ', ' (as Node's IncomingMessage does). */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One origin's connections. */
export interface HttpTransport {
  /** Resolves with any complete answer; rejects with a socket-style error (`code` ECONNRESET, ETIMEDOUT, …). */
  request(req: TransportRequest): Promise<TransportResponse>;
  /** Close idle connections and refuse none (later requests open new ones). */
  close(): void;
}

export type TransportChoice = 'socket' | 'node';
export const HTTP_TRANSPORT_ENV = 'JOBQ_HTTP_TRANSPORT';
export const DEFAULT_HTTP_TRANSPORT: TransportChoice = 'socket';

/** The configured transport; an unknown value is a ConfigError naming the two choices. */
export function transportChoice(env: Record<string, string | undefined> = process.env): TransportChoice {
  const v = env[HTTP_TRANSPORT_ENV]?.trim().toLowerCase();
  if (!v) return DEFAULT_HTTP_TRANSPORT;
  if (v === 'socket' || v === 'node') return v;
  throw new ConfigError(
    `${HTTP_TRANSPORT_ENV} must be 'socket' (jobq's own HTTP/1.1 over pooled sockets, the default) or 'node' (Node's http/https), got '${env[HTTP_TRANSPORT_ENV]}'.`,
  );
}

/** The error a transport rejects with when no answer came in time (retried as StorageRetryPolicy does). */
export function timeoutError(op: string, ms: number): Error {
  return Object.assign(new Error(`${op}: no answer within ${ms} ms`), { code: 'ETIMEDOUT' });
}
