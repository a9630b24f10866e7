/**
 * The coordinator's small HTTP server: `/healthz` (alive: leading or standing by, and its loop turning),
 * `/readyz` (ready: leading, holding the lease) and, when metrics are on, `/metrics`. Only node:http
 * here: a probe-only server (`--health-port`) never loads prom-client.
 */
import type http from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { lazyBuiltin } from '../lazy-builtin.js';

// Only a coordinator with --metrics-port or --health-port serves HTTP: the others never load it.
const httpModule = lazyBuiltin<typeof http>('node:http');

/** What the probes ask of the coordinator. */
export interface ProbeSource {
  /** `leader`, `standby`, `starting`, `fenced` (lease lost, reacquiring) or `stopping`. */
  role(): string;
  /** The process is making progress (its main loop or its standby loop turned recently). */
  alive(): boolean;
  /** This process leads the prefix right now: holds the lease and its main loop turns. */
  ready(): boolean;
}

/** Writes one response for a route. */
export type RouteHandler = (res: ServerResponse) => void;

/** Address the probe and metrics servers bind unless told otherwise (loopback: no authentication). */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

export interface BoundServer {
  port: number;
  host: string;
  close(): Promise<void>;
}

/** `/healthz` and `/readyz`: 200 or 503 with a one-word body naming the role. */
export function probeRoutes(source: ProbeSource): Record<string, RouteHandler> {
  const answer = (res: ServerResponse, ok: boolean) =>
    res
      .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
      .end(`${ok ? 'ok' : 'unavailable'} ${source.role()}\n`);
  return {
    '/healthz': (res) => answer(res, source.alive()),
    '/readyz': (res) => answer(res, source.ready()),
  };
}

/**
 * Serve `routes` on `host:port` (0 = any free port); anything else is 404. Resolves to the bound
 * address once listening; a port in use rejects with the listen error.
 */
export async function serveRoutes(
  port: number,
  host: string,
  routes: Record<string, RouteHandler>,
): Promise<BoundServer> {
  const server: Server = httpModule().createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (route) route(res);
    else res.writeHead(404).end();
  });
  // Probes are tiny; a kept-alive kubelet connection must not hold up the shutdown.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr : { port, address: host };
  return {
    port: bound.port,
    host: bound.address,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
