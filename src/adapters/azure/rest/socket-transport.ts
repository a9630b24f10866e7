/**
 * The `socket` transport (default): HTTP/1.1 written and parsed by jobq over a pool of keep-alive
 * `net` (http) or `tls` (https) sockets to one origin. A request is one head string (plus its body
 * in the same write), an answer is parsed by `ResponseParser` from the socket's own 'data' events:
 * no ClientRequest/IncomingMessage streams, no per-request listeners. A coordinator makes about one
 * such call per completion, so this is most of its CPU (issue 16).
 *
 * * Connections are reused LIFO, at most `maxSockets` open; further requests wait for one.
 * * Idle connections are unref'd (they never keep a process alive) and closed after `idleTimeoutMs`,
 *   below Node servers' (Azurite's) 5 s keep-alive timeout, so the server rarely closes one first.
 * * A request written on a reused connection that closes before any byte of the answer arrived (the
 *   server closed it while idle) is sent again once on a new connection; once anything of the
 *   answer arrived, the error is the caller's (its retry rules decide).
 * * The per-try timeout covers the wait for a connection, the connect and the whole answer. One
 *   timer per transport is set for the earliest deadline of the requests in flight and moved only
 *   when a request with an earlier one arrives (never, when every try has the same timeout): a
 *   transport busy with requests wakes for its deadlines about once per timeout, not on a tick.
 */
import { channel } from 'node:diagnostics_channel';
import net from 'node:net';
import type tls from 'node:tls';
import { lazyBuiltin } from '../../../lazy-builtin.js';
import { ResponseParser } from './http1-response.js';
import {
  timeoutError,
  type HttpTransport,
  type TransportRequest,
  type TransportResponse,
} from './transport.js';

export interface SocketTransportOptions {
  /** Open connections at most (requests beyond wait for one). */
  maxSockets?: number;
  /** An idle connection is closed after this long. */
  idleTimeoutMs?: number;
}

export const DEFAULT_MAX_SOCKETS = 256;
/**
 * Diagnostics channel with one `{ method, path }` message per request this transport is asked to send
 * (retries included): what Node's own `http.client.request.start` is for its `http` client, which this
 * transport does not use. Publishing costs one boolean check while nobody subscribes.
 */
export const REQUEST_CHANNEL = 'jobq.storage.request';
const requestChannel = channel(REQUEST_CHANNEL);
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * A URL's hostname (brackets stripped) is an IPv6 address exactly when it has a colon: names and IPv4
 * addresses cannot. Not `net.isIPv6`, whose first call compiles a large regex (≈ 10 ms of start-up).
 */
function isIpv6Literal(hostname: string): boolean {
  return hostname.includes(':');
}

/** TLS loads with the first `https:` connection: an Azurite (http) process never needs it. */
const tlsModule = lazyBuiltin<typeof tls>('node:tls');
export const DEFAULT_IDLE_TIMEOUT_MS = 4_000;
const READ_BUFFER_BYTES = 64 * 1024;
/** True when `text` would smuggle a line break or a NUL into the head (or a space into the path). */
function unsafe(text: string, path: boolean): boolean {
  return (
    text.indexOf('\r') >= 0 ||
    text.indexOf('\n') >= 0 ||
    text.indexOf('\0') >= 0 ||
    (path && (text.indexOf(' ') >= 0 || text.indexOf('\t') >= 0))
  );
}

interface Exchange {
  req: TransportRequest;
  resolve: (r: TransportResponse) => void;
  reject: (e: unknown) => void;
  /** Date.now() after which the try fails with ETIMEDOUT. */
  deadline: number;
  settled: boolean;
  conn: Connection | null;
  /** The previous, reused connection closed unanswered: send on a new one. */
  fresh: boolean;
}

interface Connection {
  socket: net.Socket;
  exchange: Exchange | null;
  parser: ResponseParser | null;
  /** Answers completed on it. */
  used: number;
  idleSince: number;
  closed: boolean;
  error: Error | undefined;
}

function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

export class SocketTransport implements HttpTransport {
  private readonly maxSockets: number;
  private readonly idleTimeoutMs: number;
  private readonly hostHeader: string;
  private readonly idle: Connection[] = [];
  private readonly waiting: Exchange[] = [];
  private open = 0;
  private sweeper: NodeJS.Timeout | null = null;
  /** Requests not yet answered, and the one timer that fails those past their deadline. */
  private readonly inflight = new Set<Exchange>();
  private deadlineTimer: NodeJS.Timeout | null = null;
  /** When `deadlineTimer` fires (epoch ms; Infinity: not set). */
  private deadlineAt = Infinity;
  private session: Buffer | undefined;
  /** Where plain sockets read into; safe to share, as each read is parsed before the next one. */
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

  constructor(
    private readonly secure: boolean,
    private readonly hostname: string,
    private readonly port: number,
    opts: SocketTransportOptions = {},
  ) {
    this.maxSockets = opts.maxSockets ?? DEFAULT_MAX_SOCKETS;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const host = isIpv6Literal(hostname) ? `[${hostname}]` : hostname;
    this.hostHeader = port === (secure ? 443 : 80) ? host : `${host}:${port}`;
  }

  /** Open connections (for tests). */
  get openConnections(): number {
    return this.open;
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    if (requestChannel.hasSubscribers) requestChannel.publish({ method: req.method, path: req.path });
    return new Promise<TransportResponse>((resolve, reject) => {
      if (unsafe(req.path, true))
        return reject(
          Object.assign(new TypeError('request path contains unescaped characters'), {
            code: 'ERR_UNESCAPED_CHARACTERS',
          }),
        );
      for (const k in req.headers)
        if (unsafe(req.headers[k], false))
          return reject(
            Object.assign(new TypeError(`invalid character in header '${k}'`), { code: 'ERR_INVALID_CHAR' }),
          );
      const deadline = Date.now() + req.timeoutMs;
      const ex: Exchange = { req, resolve, reject, deadline, settled: false, conn: null, fresh: false };
      this.inflight.add(ex);
      if (deadline < this.deadlineAt) this.armDeadline(deadline);
      this.dispatch(ex);
    });
  }

  close(): void {
    for (const c of this.idle.splice(0)) c.socket.destroy();
    this.stopSweeper();
  }

  private dispatch(ex: Exchange): void {
    const conn = ex.fresh ? undefined : this.takeIdle();
    if (conn) return this.start(conn, ex);
    // A fresh connection replaces one that just closed: it never waits behind the cap.
    if (this.open >= this.maxSockets && !ex.fresh) return void this.waiting.push(ex);
    this.start(this.connect(), ex);
  }

  private takeIdle(): Connection | undefined {
    const now = Date.now();
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (now - c.idleSince < this.idleTimeoutMs) return c;
      c.socket.destroy();
    }
    return undefined;
  }

  private connect(): Connection {
    const { hostname: host, port } = this;
    const socket = this.secure
      ? tlsModule().connect({
          host,
          port,
          servername: isIpv6Literal(host) || IPV4.test(host) ? undefined : host,
          session: this.session,
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect({
          host,
          port,
          // Plain sockets hand reads straight to the parser, skipping the Readable stream per read.
          onread: {
            buffer: this.readBuffer,
            callback: (n: number, buf: Uint8Array) => this.onRead(conn, n, buf),
          },
        });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    if (this.secure) socket.on('session', (s: Buffer) => (this.session = s));
    const conn: Connection = {
      socket,
      exchange: null,
      parser: null,
      used: 0,
      idleSince: 0,
      closed: false,
      error: undefined,
    };
    this.open++;
    if (this.secure) socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', (err: Error) => (conn.error ??= err));
    socket.on('close', () => this.onClose(conn));
    return conn;
  }

  private start(conn: Connection, ex: Exchange): void {
    conn.exchange = ex;
    conn.parser = new ResponseParser(ex.req.method === 'HEAD', !this.secure);
    ex.conn = conn;
    const { method, path, headers, body } = ex.req;
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`;
    for (const k in headers) head += `${k}: ${headers[k]}\r\n`;
    if (body && headers['content-length'] === undefined) head += `content-length: ${body.length}\r\n`;
    head += '\r\n';
    const socket = conn.socket;
    socket.ref();
    if (body && body.length > 0) {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body);
      socket.uncork();
    } else socket.write(head, 'latin1');
  }

  /** A read into the shared buffer (plain sockets): parsed at once, before the next read reuses it. */
  private onRead(conn: Connection, n: number, buf: Uint8Array): boolean {
    this.onData(conn, Buffer.from(buf.buffer, buf.byteOffset, n));
    return true;
  }

  private onData(conn: Connection, chunk: Buffer): void {
    const ex = conn.exchange;
    const parser = conn.parser;
    if (!ex || !parser) return void conn.socket.destroy(); // bytes nobody asked for
    let extra: number;
    try {
      extra = parser.feed(chunk);
    } catch (err) {
      conn.exchange = null;
      conn.socket.destroy();
      return this.fail(ex, err);
    }
    if (!parser.done) return;
    conn.exchange = null;
    conn.parser = null;
    conn.used++;
    this.succeed(ex, parser);
    if (extra === 0 && parser.keepAlive && !conn.closed) this.release(conn);
    else conn.socket.destroy();
  }

  private onClose(conn: Connection): void {
    conn.closed = true;
    this.open--;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    const ex = conn.exchange;
    const parser = conn.parser;
    conn.exchange = null;
    conn.parser = null;
    if (ex && parser && !ex.settled) {
      if (parser.endsAtClose && !conn.error) this.succeed(ex, parser);
      else if (!parser.started && conn.used > 0) {
        ex.fresh = true;
        this.dispatch(ex);
      } else this.fail(ex, conn.error ?? hangUp());
    }
    this.pump();
  }

  /** Give a freed slot to the first waiting request. */
  private pump(): void {
    while (this.waiting.length > 0 && this.open < this.maxSockets) {
      const ex = this.waiting.shift() as Exchange;
      this.dispatch(ex);
    }
  }

  private release(conn: Connection): void {
    const next = this.waiting.shift();
    if (next) return this.start(conn, next);
    conn.idleSince = Date.now();
    conn.socket.unref();
    this.idle.push(conn);
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(250, this.idleTimeoutMs / 2)).unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (let i = this.idle.length - 1; i >= 0; i--)
      if (now - this.idle[i].idleSince >= this.idleTimeoutMs) this.idle.splice(i, 1)[0].socket.destroy();
    if (this.idle.length === 0) this.stopSweeper();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** Set the deadline timer for `at` (epoch ms), replacing a later one. Unref'd: it keeps no process alive. */
  private armDeadline(at: number): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineAt = at;
    this.deadlineTimer = setTimeout(() => this.expire(), Math.max(0, at - Date.now())).unref();
  }

  /** Fail the tries past their deadline; set the timer for the earliest deadline left, if any. */
  private expire(): void {
    this.deadlineTimer = null;
    this.deadlineAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const ex of this.inflight) {
      if (now >= ex.deadline) this.timedOut(ex);
      else if (ex.deadline < next) next = ex.deadline;
    }
    if (next < Infinity) this.armDeadline(next);
  }

  private timedOut(ex: Exchange): void {
    if (ex.settled) return;
    const w = this.waiting.indexOf(ex);
    if (w >= 0) this.waiting.splice(w, 1);
    const conn = ex.conn;
    if (conn && conn.exchange === ex) {
      // The answer may still come: the connection cannot carry another request.
      conn.exchange = null;
      conn.socket.destroy();
    }
    this.fail(ex, timeoutError(ex.req.op, ex.req.timeoutMs));
  }

  private succeed(ex: Exchange, parser: ResponseParser): void {
    if (ex.settled) return;
    ex.settled = true;
    this.inflight.delete(ex);
    const body = parser.body();
    // Headers are parsed only if the caller reads them (a delete's never are).
    ex.resolve({
      status: parser.status,
      get headers() {
        return parser.headers;
      },
      body,
    });
  }

  private fail(ex: Exchange, err: unknown): void {
    if (ex.settled) return;
    ex.settled = true;
    this.inflight.delete(ex);
    ex.reject(err);
  }
}
