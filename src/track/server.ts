/**
 * The `jobq workflow track` HTTP server: the page's static assets, the JSON API and the live feed.
 * Read-only unless actions are allowed; requests whose Host is not this server's are refused (a web
 * page elsewhere cannot reach a loopback dashboard through DNS rebinding), and actions need a header
 * a cross-site form cannot send.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { isJobqError } from '../errors.js';
import type { WorkflowClient } from '../client/workflow-client.js';
import { validateWorkflowId } from '../model/index.js';
import { LiveFeed, errorLine } from './live-feed.js';
import { WorkflowCache } from './workflow-cache.js';
import { layoutService, type LayoutMode } from './layout-runner.js';
import { readAsset } from './assets.js';
import {
  expandParam,
  intParam,
  listWorkflows,
  OUTPUT_FETCH_MAX_BYTES,
  parseListQuery,
  taskDetail,
  taskList,
  taskOutput,
  workflowDetail,
  workflowGraph,
} from './service.js';
import { taskLog } from './task-log.js';
import { EXPAND_MAX, NODE_BUDGET } from './view-graph.js';

export interface TrackServerOptions {
  client: WorkflowClient;
  logger: Logger;
  /** `<account>/<prefix>` as the banner shows it (no secrets). */
  label: string;
  host: string;
  port: number;
  allowActions: boolean;
  /** Seconds between ETag checks of a watched workflow. */
  refreshS?: number;
  /** Called before each API request; throws the one-line error when storage is unreachable. */
  checkStorage?: () => Promise<void>;
  /** Node budget above which tasks are aggregated (tests lower it). */
  nodeBudget?: number;
  /** Where layouts run: a worker thread (default), or inline (tests comparing the two). */
  layout?: LayoutMode;
  version?: string;
}

/** A request error with its HTTP status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
};

/** HTTP status of an error reaching the API boundary. */
export function statusOfError(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (isJobqError(err, 'UsageError')) return 400;
  if (isJobqError(err, 'WorkflowNotFoundError')) return 404;
  if (isJobqError(err, 'StorageUnreachableError') || isJobqError(err, 'TransientStorageError')) return 503;
  if (isJobqError(err, 'ConfigError')) return 503;
  if (isJobqError(err, 'StateConflictError')) return 409;
  return 500;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Hosts a browser may name to reach this server (loopback aliases when bound to loopback). */
function allowedHosts(host: string, port: number): Set<string> | null {
  if (host === '0.0.0.0' || host === '::' || host === '') return null; // exposed on purpose: any name
  const names = new Set([host, host.includes(':') ? `[${host}]` : host]);
  if (/^(127\.|localhost$|::1$)/.test(host))
    for (const n of ['localhost', '127.0.0.1', '[::1]']) names.add(n);
  return new Set([...names].map((n) => `${n}:${port}`.toLowerCase()));
}

function workflowIdOf(raw: string): string {
  const id = decodeURIComponent(raw);
  try {
    validateWorkflowId(id);
  } catch (err) {
    throw new HttpError(400, `invalid workflow ID '${id}': ${errorLine(err)}`);
  }
  return id;
}

/** A running dashboard. */
export interface TrackServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Start the server; resolves once it listens (port 0 = any free port). */
export async function startTrackServer(o: TrackServerOptions): Promise<TrackServer> {
  const layouts = layoutService(o.layout ?? 'thread', o.logger);
  const cache = new WorkflowCache(o.client.backend, { budget: o.nodeBudget ?? NODE_BUDGET, layouts });
  const feed = new LiveFeed(cache, o.logger, (o.refreshS ?? 1) * 1000);
  let hosts: Set<string> | null = null;

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const parts = url.pathname.split('/').slice(2); // ['workflows', id, …]
    const method = req.method ?? 'GET';
    if (parts[0] === 'info' && parts.length === 1) {
      return sendJson(res, 200, {
        target: o.label,
        allow_actions: o.allowActions,
        node_budget: o.nodeBudget ?? NODE_BUDGET,
        expand_max: EXPAND_MAX,
        refresh_s: o.refreshS ?? 1,
        version: o.version ?? null,
      });
    }
    if (parts[0] !== 'workflows') throw new HttpError(404, `no such endpoint: ${url.pathname}`);
    await o.checkStorage?.();
    if (parts.length === 1)
      return sendJson(res, 200, await listWorkflows(o.client, parseListQuery(url.searchParams)));
    const id = workflowIdOf(parts[1]);
    const rest = parts.slice(2);
    if (method === 'POST') {
      if (rest.length !== 1 || !['cancel', 'retry'].includes(rest[0]))
        throw new HttpError(404, `no such action: ${url.pathname}`);
      if (!o.allowActions)
        throw new HttpError(403, 'actions are disabled: restart `jobq workflow track` with --allow-actions');
      if (req.headers['x-jobq-action'] !== rest[0])
        throw new HttpError(403, `missing header X-Jobq-Action: ${rest[0]} (sent by the dashboard page)`);
      return sendJson(res, 200, await runAction(rest[0] as 'cancel' | 'retry', id));
    }
    if (method !== 'GET') throw new HttpError(405, `method ${method} not allowed`);
    if (rest.length === 0) return sendJson(res, 200, await workflowDetail(o.client, cache, id));
    if (rest[0] === 'graph' && rest.length === 1)
      return sendJson(res, 200, await workflowGraph(cache, id, expandParam(url.searchParams)));
    if (rest[0] === 'events' && rest.length === 1)
      return feed.subscribe(id, expandParam(url.searchParams), res);
    if (rest[0] === 'tasks') {
      if (rest.length === 1) return sendJson(res, 200, await taskList(cache, id, url.searchParams));
      const name = decodeURIComponent(rest[1]);
      if (rest.length === 2) return sendJson(res, 200, await taskDetail(o.client, cache, id, name));
      if (rest.length === 3 && rest[2] === 'output') {
        const max = intParam(url.searchParams, 'max', 256 * 1024, 1, OUTPUT_FETCH_MAX_BYTES);
        return sendJson(res, 200, await taskOutput(o.client, cache, id, name, max));
      }
      if (rest.length === 3 && rest[2] === 'log') {
        const attempt = url.searchParams.has('attempt')
          ? intParam(url.searchParams, 'attempt', 1, 1, 1_000_000)
          : null;
        return sendJson(res, 200, await taskLog(o.client, cache, id, name, attempt));
      }
    }
    throw new HttpError(404, `no such endpoint: ${url.pathname}`);
  };

  const runAction = async (action: 'cancel' | 'retry', id: string) => {
    if (action === 'cancel') {
      const newly = await o.client.cancel(id);
      const message = newly
        ? `Cancellation requested for workflow ${id} in ${o.label}.`
        : `Cancellation was already requested for workflow ${id} in ${o.label}.`;
      o.logger.info({ workflowId: id }, 'cancel requested from the dashboard');
      return { workflow_id: id, action, cancel_requested: true, newly_requested: newly, message };
    }
    const c = await o.client.retry(id);
    o.logger.info({ workflowId: id, ...c }, 'retry requested from the dashboard');
    const message =
      c.reset === 0
        ? `Nothing to retry in workflow ${id}.`
        : `Reset ${c.reset} task(s) of workflow ${id}: ${c.now_ready} ready, ${c.still_pending} pending.`;
    return { workflow_id: id, action, ...c, message };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (hosts && !hosts.has(hostHeader)) {
      return sendJson(res, 403, { error: `requests for host '${hostHeader}' are refused; use ${trackUrl}` });
    }
    const url = new URL(req.url ?? '/', 'http://dashboard');
    try {
      if (url.pathname.startsWith('/api/')) return await api(req, res, url);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
      const asset = await readAsset(url.pathname);
      if (!asset) throw new HttpError(404, `not found: ${url.pathname}`);
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': asset.type,
        'cache-control': 'no-cache',
        'content-length': asset.body.length,
      });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
    } catch (err) {
      const status = statusOfError(err);
      if (status >= 500 && status !== 503)
        o.logger.error({ err, path: url.pathname }, 'dashboard request failed');
      if (res.headersSent) return void res.end();
      sendJson(res, status, { error: errorLine(err), kind: err instanceof Error ? err.name : 'Error' });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      void layouts.close();
      reject(err);
    });
    server.listen(o.port, o.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  hosts = allowedHosts(o.host, addr.port);
  const shownHost = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
  const trackUrl = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${addr.port}/`;
  return {
    url: trackUrl,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        feed.close();
        void layouts.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
