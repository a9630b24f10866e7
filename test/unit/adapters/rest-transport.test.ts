/**
 * The lean client's transports against a real local HTTP server: keep-alive reuse, a server closing
 * idle or reused connections, chunked and large bodies, the per-try timeout, and through RestEndpoint
 * the retry and error rules (500 retried, 412 a StorageRestError with its code). Every behaviour is
 * checked on both transports (`socket`, the default, and `node`); the response parser is checked on
 * every split of a raw answer.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResponseParser } from '../../../src/adapters/azure/rest/http1-response.js';
import { NodeHttpTransport } from '../../../src/adapters/azure/rest/node-transport.js';
import { REQUEST_CHANNEL, SocketTransport } from '../../../src/adapters/azure/rest/socket-transport.js';
import {
  transportChoice,
  type HttpTransport,
  type TransportRequest,
} from '../../../src/adapters/azure/rest/transport.js';
import { RestEndpoint, StorageRestError } from '../../../src/adapters/azure/rest/http.js';
import { sharedKeyCredential } from '../../../src/adapters/azure/rest/auth.js';
import { STORAGE_RETRY } from '../../../src/adapters/azure/retry-options.js';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../../src/config/defaults.js';

const LARGE = Buffer.alloc(5 * 1024 * 1024 + 17, 'x');
let server: Server;
let port = 0;
let connections = 0;
/** Requests served per connection. */
const served = new WeakMap<Socket, number>();
let statusScript: number[] = [];

function answer(req: IncomingMessage, res: ServerResponse): void {
  const n = (served.get(req.socket) ?? 0) + 1;
  served.set(req.socket, n);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname.replace(/^\/devstoreaccount1/, '')) {
      case '/echo':
        res.writeHead(200, { 'content-type': 'text/plain', 'x-method': req.method ?? '' });
        return void res.end(Buffer.concat(chunks));
      case '/chunked':
        res.writeHead(200, { 'content-type': 'text/plain' }); // no length: Node sends it chunked
        res.write('alpha,');
        setTimeout(() => {
          res.write('beta,');
          res.end('gamma');
        }, 5);
        return;
      case '/large':
        if (url.searchParams.get('chunked')) {
          res.writeHead(200);
          for (let i = 0; i < LARGE.length; i += 65_521) res.write(LARGE.subarray(i, i + 65_521));
          return void res.end();
        }
        res.writeHead(200, { 'content-length': LARGE.length });
        return void res.end(LARGE);
      case '/silent':
        return; // never answers
      case '/drop-reused':
        // Closes a connection that already served a request, as a server timing out an idle one would.
        if (n > 1) return void req.socket.destroy();
        return void res.end('first');
      case '/partial':
        res.writeHead(200, { 'content-length': 100 });
        res.write('only part');
        setTimeout(() => req.socket.destroy(), 5);
        return;
      case '/status': {
        const status = statusScript.shift() ?? 200;
        const code = status === 412 ? 'ConditionNotMet' : `Status${status}`;
        res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code });
        return void res.end(
          status >= 400
            ? `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>scripted ${status}</Message></Error>`
            : '',
        );
      }
      default:
        res.writeHead(200, { 'content-length': 2 });
        return void res.end(req.method === 'HEAD' ? undefined : 'ok');
    }
  });
}

beforeAll(async () => {
  server = createServer(answer);
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  connections = 0;
  statusScript = [];
});

const get = (path: string, extra: Partial<TransportRequest> = {}): TransportRequest => ({
  op: 'test',
  method: 'GET',
  path,
  headers: {},
  body: undefined,
  timeoutMs: 5_000,
  ...extra,
});

const transports: [string, () => HttpTransport][] = [
  ['socket', () => new SocketTransport(false, '127.0.0.1', port)],
  ['node', () => new NodeHttpTransport(false, '127.0.0.1', port)],
];

describe('the socket transport deadlines', () => {
  it('fails each try at its own deadline, also one shorter than a try already in flight', async () => {
    const t = new SocketTransport(false, '127.0.0.1', port);
    const order: string[] = [];
    const started = Date.now();
    const failedAt = (name: string, timeoutMs: number) =>
      t.request(get('/silent', { timeoutMs, op: name })).then(
        () => Number.NaN,
        (err: { code?: string }) => {
          expect(err.code).toBe('ETIMEDOUT');
          order.push(name);
          return Date.now() - started;
        },
      );
    try {
      const long = failedAt('long', 1_500);
      const short = failedAt('short', 100);
      const [longMs, shortMs] = await Promise.all([long, short]);
      expect(order).toEqual(['short', 'long']);
      expect(shortMs).toBeGreaterThanOrEqual(100);
      expect(shortMs).toBeLessThan(longMs);
      expect(longMs).toBeGreaterThanOrEqual(1_500);
    } finally {
      t.close();
    }
  });

  it('does not wake on a tick while a try waits for its answer', async () => {
    const t = new SocketTransport(false, '127.0.0.1', port);
    const expire = vi.spyOn(SocketTransport.prototype as unknown as { expire: () => void }, 'expire');
    try {
      const pending = t.request(get('/silent', { timeoutMs: 800 })).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 500));
      // One timer for the earliest deadline (800 ms away): nothing has checked the deadlines yet.
      expect(expire).not.toHaveBeenCalled();
      expect((await pending) as { code?: string }).toMatchObject({ code: 'ETIMEDOUT' });
      expect(expire).toHaveBeenCalledTimes(1);
    } finally {
      expire.mockRestore();
      t.close();
    }
  });
});

describe('the socket transport diagnostics channel', () => {
  it('publishes each request it is asked to send (method and path), only to subscribers', async () => {
    const seen: { method: string; path: string }[] = [];
    const onRequest = (m: unknown) => seen.push(m as { method: string; path: string });
    const t = new SocketTransport(false, '127.0.0.1', port);
    try {
      await t.request(get('/echo?before=1'));
      subscribe(REQUEST_CHANNEL, onRequest);
      await t.request(get('/echo?x=1', { method: 'PUT', body: Buffer.from('b') }));
      await t.request(get('/echo'));
      unsubscribe(REQUEST_CHANNEL, onRequest);
      await t.request(get('/echo?after=1'));
      expect(seen).toEqual([
        { method: 'PUT', path: '/echo?x=1' },
        { method: 'GET', path: '/echo' },
      ]);
    } finally {
      unsubscribe(REQUEST_CHANNEL, onRequest);
      t.close();
    }
  });
});

describe.each(transports)('the %s transport', (_name, make) => {
  it('reuses one keep-alive connection for requests in sequence', async () => {
    const t = make();
    for (let i = 0; i < 5; i++) {
      const res = await t.request(get('/echo', { method: 'PUT', body: Buffer.from(`body ${i}`) }));
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe(`body ${i}`);
      expect(res.headers['x-method']).toBe('PUT');
    }
    expect(connections).toBe(1);
    t.close();
  });

  it('opens a connection per concurrent request and reuses them after', async () => {
    const t = make();
    await Promise.all([1, 2, 3].map(() => t.request(get('/echo'))));
    expect(connections).toBe(3);
    await Promise.all([1, 2, 3].map(() => t.request(get('/echo'))));
    expect(connections).toBe(3);
    t.close();
  });

  it('reads a chunked body', async () => {
    const t = make();
    const res = await t.request(get('/chunked'));
    expect(res.body.toString()).toBe('alpha,beta,gamma');
    expect(
      (await t.request(get('/echo', { method: 'POST', body: Buffer.from('next') }))).body.toString(),
    ).toBe('next');
    expect(connections).toBe(1);
    t.close();
  });

  it('reads large bodies, with a length and chunked', async () => {
    const t = make();
    for (const path of ['/large', '/large?chunked=1']) {
      const res = await t.request(get(path));
      expect(res.body.length).toBe(LARGE.length);
      expect(res.body.equals(LARGE)).toBe(true);
    }
    t.close();
  });

  it('sends a large body', async () => {
    const t = make();
    const res = await t.request(get('/echo', { method: 'PUT', body: LARGE }));
    expect(res.body.equals(LARGE)).toBe(true);
    t.close();
  });

  it('answers HEAD without waiting for the body its length announces', async () => {
    const t = make();
    const res = await t.request(get('/head', { method: 'HEAD' }));
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect((await t.request(get('/echo'))).status).toBe(200);
    t.close();
  });

  it('fails a try with ETIMEDOUT when no answer comes in time, and the next request still works', async () => {
    const t = make();
    const started = Date.now();
    const err = (await t
      .request(get('/silent', { timeoutMs: 150, op: 'wait' }))
      .catch((e: unknown) => e)) as {
      code?: string;
      message?: string;
    };
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toContain('wait: no answer within 150 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await t.request(get('/echo'))).status).toBe(200);
    t.close();
  });

  it('fails with ECONNRESET when the connection closes in the middle of an answer', async () => {
    const t = make();
    const err = (await t.request(get('/partial')).catch((e: unknown) => e)) as { code?: string };
    expect(err.code).toBe('ECONNRESET');
    t.close();
  });

  it('opens a new connection after the server closed an idle one', async () => {
    const t = make();
    expect((await t.request(get('/echo'))).status).toBe(200);
    server.closeIdleConnections();
    await new Promise((r) => setTimeout(r, 50));
    expect((await t.request(get('/echo'))).status).toBe(200);
    expect(connections).toBe(2);
    t.close();
  });
});

describe('the socket transport', () => {
  it('sends a request again on a new connection when a reused one closes before any answer', async () => {
    const t = new SocketTransport(false, '127.0.0.1', port);
    expect((await t.request(get('/drop-reused'))).body.toString()).toBe('first');
    // The server drops the reused connection unanswered; the request goes out once more, fresh.
    expect((await t.request(get('/drop-reused'))).body.toString()).toBe('first');
    expect(connections).toBe(2);
    t.close();
  });

  it('keeps at most maxSockets connections; the others wait for one', async () => {
    const t = new SocketTransport(false, '127.0.0.1', port, { maxSockets: 2 });
    const all = await Promise.all(Array.from({ length: 8 }, (_, i) => t.request(get(`/echo?${i}`))));
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(connections).toBe(2);
    t.close();
  });

  it('closes connections idle longer than idleTimeoutMs', async () => {
    const t = new SocketTransport(false, '127.0.0.1', port, { idleTimeoutMs: 100 });
    await t.request(get('/echo'));
    expect(t.openConnections).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(t.openConnections).toBe(0);
    await t.request(get('/echo'));
    expect(connections).toBe(2);
    t.close();
  });

  it('refuses a header value with a line break (no header injection)', async () => {
    const t = new SocketTransport(false, '127.0.0.1', port);
    await expect(
      t.request(get('/echo', { headers: { 'x-ms-meta-a': 'v\r\nx-evil: 1' } })),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
    t.close();
  });

  it('names an IPv6 host in brackets in the Host header', async () => {
    const hosts: string[] = [];
    const v6 = createServer((req, res) => {
      hosts.push(req.headers.host ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => v6.listen(0, '::1', r));
    const v6Port = (v6.address() as AddressInfo).port;
    try {
      const t = new SocketTransport(false, '::1', v6Port);
      expect((await t.request(get('/echo'))).status).toBe(200);
      t.close();
    } finally {
      await new Promise((r) => v6.close(r));
    }
    expect(hosts).toEqual([`[::1]:${v6Port}`]);
  });

  it('is the default, and JOBQ_HTTP_TRANSPORT=node selects Node http', () => {
    expect(transportChoice({})).toBe('socket');
    expect(transportChoice({ JOBQ_HTTP_TRANSPORT: 'node' })).toBe('node');
    expect(() => transportChoice({ JOBQ_HTTP_TRANSPORT: 'curl' })).toThrow(/socket.*node/);
  });
});

describe.each(['socket', 'node'] as const)('RestEndpoint over the %s transport', (transport) => {
  const FAST = { ...STORAGE_RETRY, retryDelayInMs: 5, maxRetryDelayInMs: 20 };
  const endpoint = () =>
    new RestEndpoint(
      `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`,
      { kind: 'shared-key', credential: sharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY) },
      FAST,
      undefined,
      transport,
    );

  it('retries a 500 and returns the answer that follows', async () => {
    statusScript = [500, 500];
    const res = await endpoint().send({ op: 'get', method: 'GET', path: '/status' });
    expect(res.status).toBe(200);
    expect(statusScript).toEqual([]);
  });

  it('turns a 412 into a StorageRestError with its code, without retrying', async () => {
    statusScript = [412, 200];
    const err = await endpoint()
      .send({ op: 'write', method: 'PUT', path: '/status', body: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageRestError);
    expect(err).toMatchObject({
      statusCode: 412,
      code: 'ConditionNotMet',
      details: { errorCode: 'ConditionNotMet' },
    });
    expect(statusScript).toEqual([200]);
  });
});

describe('ResponseParser', () => {
  const raw = Buffer.from(
    'HTTP/1.1 102 Processing\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Ms-Meta-A: 1\r\nx-ms-meta-a: 2\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n' +
      '5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\ntrailer: x\r\n\r\n',
    'latin1',
  );

  it('parses an interim answer, headers and a chunked body at every split point', () => {
    for (let cut = 0; cut <= raw.length; cut++) {
      for (const step of [1, 3, raw.length]) {
        const p = new ResponseParser(false);
        let left = 0;
        const parts = [raw.subarray(0, cut), ...splitEvery(raw.subarray(cut), step)];
        for (const part of parts) left += p.feed(part);
        expect(left).toBe(0);
        expect(p.done).toBe(true);
        expect(p.status).toBe(200);
        expect(p.headers['x-ms-meta-a']).toBe('1, 2');
        expect(p.body().toString()).toBe('hello, world');
        expect(p.keepAlive).toBe(true);
      }
    }
  });

  it('reports bytes beyond the answer, and Connection: close', () => {
    const p = new ResponseParser(false);
    const left = p.feed(
      Buffer.from('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\nHTTP/1.1', 'latin1'),
    );
    expect(p.done).toBe(true);
    expect(left).toBe(8);
    expect(p.keepAlive).toBe(false);
  });

  it('refuses a malformed status line', () => {
    expect(() => new ResponseParser(false).feed(Buffer.from('SMTP ready\r\n\r\n'))).toThrow(
      /invalid HTTP response/,
    );
  });
});

function splitEvery(b: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, i + n));
  return out;
}
