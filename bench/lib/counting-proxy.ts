/**
 * An HTTP proxy in front of Azurite that counts every storage request per service (blob, queue,
 * table). jobq processes are pointed at the proxy ports, so the count covers everything they do,
 * independent of jobq's own transaction counters.
 */
import { createServer, request, Agent, type Server } from 'node:http';
import type { AzuritePorts } from '../../src/azurite/embedded.js';

export type Service = keyof AzuritePorts;

export interface CountingProxy {
  /** Ports to give jobq processes (BLOB_PORT/QUEUE_PORT/TABLE_PORT). */
  readonly ports: AzuritePorts;
  /** Requests per service since start (or the last reset). */
  counts(): Record<Service, number>;
  /** Requests per `service METHOD` plus queue message operations, for breakdowns. */
  detail(): Record<string, number>;
  reset(): void;
  env(): Record<string, string>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

/** Names the operation of a request for the breakdown (`queue GET messages`, `blob PUT`, ...). */
function operationOf(service: Service, method: string, url: string): string {
  if (service === 'queue') {
    const path = url.split('?')[0];
    if (/\/messages\/[^/]+$/.test(path)) return `queue ${method} message`;
    if (path.endsWith('/messages')) return `queue ${method} messages`;
  }
  return `${service} ${method}`;
}

/** Starts one proxy port per Azurite service on loopback. */
export async function startCountingProxy(upstream: AzuritePorts): Promise<CountingProxy> {
  const counts: Record<Service, number> = { blob: 0, queue: 0, table: 0 };
  const detail = new Map<string, number>();
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const servers: Server[] = [];
  const ports = {} as AzuritePorts;
  for (const service of ['blob', 'queue', 'table'] as const) {
    const server = createServer((req, res) => {
      counts[service]++;
      const op = operationOf(service, req.method ?? 'GET', req.url ?? '/');
      detail.set(op, (detail.get(op) ?? 0) + 1);
      const up = request(
        {
          host: '127.0.0.1',
          port: upstream[service],
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(up);
    });
    server.keepAliveTimeout = 30_000;
    servers.push(server);
    ports[service] = await listen(server);
  }
  return {
    ports,
    counts: () => ({ ...counts }),
    detail: () => Object.fromEntries(detail),
    reset: () => {
      counts.blob = counts.queue = counts.table = 0;
      detail.clear();
    },
    env: () => ({
      BLOB_PORT: String(ports.blob),
      QUEUE_PORT: String(ports.queue),
      TABLE_PORT: String(ports.table),
    }),
    close: async () => {
      agent.destroy();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.closeAllConnections();
              s.close(() => r());
            }),
        ),
      );
    },
  };
}
