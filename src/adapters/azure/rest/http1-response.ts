/**
 * An incremental HTTP/1.1 response parser for the socket transport: status line and headers, then a
 * body framed by Content-Length, chunked transfer coding or the connection's close. Fed raw socket
 * chunks; knows whether the connection may carry another request afterwards.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Longest head (status line + headers) accepted, as Node's default `maxHeaderSize`. */
const MAX_HEAD_BYTES = 16 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
  Done,
}

/** A malformed answer: not retried (as Node's HPE_* parser errors are not). */
export function protocolError(message: string): Error {
  return Object.assign(new Error(`invalid HTTP response: ${message}`), { code: 'HPE_INVALID_RESPONSE' });
}

export class ResponseParser {
  status = 0;
  /** The final answer's head (status line and header lines, without the blank line). */
  private head = '';
  private parsedHeaders: IncomingHttpHeaders | null = null;
  /** False once the answer says the connection closes after it (or its body ends with the close). */
  keepAlive = true;
  /** True once any byte of the answer arrived (a request then may not be sent again transparently). */
  started = false;
  private state = State.Head;
  private pending: Buffer = EMPTY;
  private remaining = 0;
  private line = '';
  private readonly chunks: Buffer[] = [];

  /**
   * @param noBody the request was HEAD: whatever the headers say, no body follows.
   * @param borrowed the buffers fed are reused by the caller after `feed` returns: body bytes are copied.
   */
  constructor(
    private readonly noBody: boolean,
    private readonly borrowed = false,
  ) {}

  private keep(data: Buffer, from: number, to: number): void {
    const piece = from === 0 && to === data.length ? data : data.subarray(from, to);
    this.chunks.push(this.borrowed ? Buffer.from(piece) : piece);
  }

  /** The answer's headers: lowercase names, repeated ones joined with ', ' (set-cookie: an array). */
  get headers(): IncomingHttpHeaders {
    return (this.parsedHeaders ??= parseHeaderLines(this.head));
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** True when the answer's end is the connection's close (no length, not chunked). */
  get endsAtClose(): boolean {
    return this.state === State.UntilClose;
  }

  /** The body so far (whole once `done`, or at the close for `endsAtClose`). */
  body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
  }

  /**
   * Consume `data`; returns the number of bytes left over after a complete answer (a server speaking
   * out of turn: the caller closes the connection). Throws a protocol error on a malformed answer.
   */
  feed(data: Buffer): number {
    if (data.length > 0) this.started = true;
    let off = 0;
    while (off < data.length) {
      switch (this.state) {
        case State.Head:
          off = this.readHead(data, off);
          break;
        case State.Length: {
          const n = Math.min(this.remaining, data.length - off);
          this.keep(data, off, off + n);
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.Done;
          break;
        }
        case State.ChunkSize:
        case State.Trailers:
          off = this.readLine(data, off);
          break;
        case State.ChunkData: {
          const n = Math.min(this.remaining, data.length - off);
          this.keep(data, off, off + n);
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = State.ChunkEnd;
            this.remaining = 2;
          }
          break;
        }
        case State.ChunkEnd: {
          // The CRLF after a chunk's data (possibly split across socket chunks).
          const n = Math.min(this.remaining, data.length - off);
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.UntilClose:
          this.keep(data, off, data.length);
          off = data.length;
          break;
        case State.Done:
          return data.length - off;
      }
    }
    return 0;
  }

  private readHead(data: Buffer, off: number): number {
    let buf = data.subarray(off);
    let base = 0;
    if (this.pending.length > 0) {
      base = this.pending.length;
      buf = Buffer.concat([this.pending, buf]);
    }
    // The terminator may straddle the previous chunk: search from 3 bytes before the new data.
    const end = buf.indexOf(CRLFCRLF, Math.max(0, base - 3));
    if (end < 0) {
      if (buf.length > MAX_HEAD_BYTES) throw protocolError('header section too large');
      this.pending = Buffer.from(buf);
      return data.length;
    }
    this.pending = EMPTY;
    this.parseHead(buf.toString('latin1', 0, end));
    // Bytes of `data` consumed: the head's remainder in this chunk plus the blank line.
    return off + (end + 4 - base);
  }

  private parseHead(head: string): void {
    // Status line: `HTTP/1.x NNN reason`.
    const c = head.charCodeAt(9);
    if (!head.startsWith('HTTP/1.') || head.charCodeAt(8) !== 32 || c < 48 || c > 57)
      throw protocolError(`status line ${JSON.stringify(head.split('\r\n')[0].slice(0, 80))}`);
    const status = Number(head.slice(9, 12));
    if (!Number.isInteger(status)) throw protocolError(`status ${JSON.stringify(head.slice(9, 12))}`);
    if (status < 200) return; // 100 Continue and friends: an interim answer; the real one follows.
    this.status = status;
    this.head = head;
    // Only the framing headers are read now; the rest are parsed if the caller looks (most never do).
    const lower = head.toLowerCase();
    const connection = headerIn(lower, 'connection') ?? '';
    this.keepAlive = head[7] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const te = headerIn(lower, 'transfer-encoding');
    const length = headerIn(lower, 'content-length');
    if (this.noBody || status === 204 || status === 304) this.state = State.Done;
    else if (te !== undefined && /(^|,)\s*chunked$/.test(te)) this.state = State.ChunkSize;
    else if (length !== undefined) {
      if (!/^\d+$/.test(length)) throw protocolError(`content-length ${JSON.stringify(length)}`);
      this.remaining = Number(length);
      this.state = this.remaining === 0 ? State.Done : State.Length;
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
  }

  /** A chunk-size line or a trailer line (CRLF-terminated, possibly split across socket chunks). */
  private readLine(data: Buffer, off: number): number {
    const nl = data.indexOf(10, off);
    if (nl < 0) {
      this.line += data.toString('latin1', off);
      if (this.line.length > MAX_HEAD_BYTES) throw protocolError('chunk line too long');
      return data.length;
    }
    const line = (this.line + data.toString('latin1', off, nl)).replace(/\r$/, '');
    this.line = '';
    if (this.state === State.Trailers) {
      if (line === '') this.state = State.Done;
      return nl + 1;
    }
    const size = parseInt(line.split(';')[0].trim(), 16);
    if (!Number.isFinite(size) || size < 0)
      throw protocolError(`chunk size ${JSON.stringify(line.slice(0, 40))}`);
    if (size === 0) this.state = State.Trailers;
    else {
      this.state = State.ChunkData;
      this.remaining = size;
    }
    return nl + 1;
  }
}

/** The trimmed value of header `name` in a lowercased head, or undefined (the first, if repeated). */
function headerIn(lower: string, name: string): string | undefined {
  const i = lower.indexOf(`\r\n${name}:`);
  if (i < 0) return undefined;
  const from = i + name.length + 3;
  const end = lower.indexOf('\r\n', from);
  return lower.slice(from, end < 0 ? lower.length : end).trim();
}

function parseHeaderLines(head: string): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  if (head === '') return headers;
  const lines = head.split('\r\n');
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i];
    const colon = l.indexOf(':');
    if (colon <= 0) continue;
    const name = l.slice(0, colon).trim().toLowerCase();
    const value = l.slice(colon + 1).trim();
    const prev = headers[name];
    if (prev === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else headers[name] = `${prev}, ${value}`;
  }
  return headers;
}
