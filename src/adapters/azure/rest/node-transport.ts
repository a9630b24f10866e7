/**
 * The `node` transport (`JOBQ_HTTP_TRANSPORT=node`): Node's own http/https with a keep-alive agent
 * (LIFO, so the warmest socket is reused). Kept selectable to rule jobq's socket transport out when
 * diagnosing a storage problem.
 */
import type http from 'node:http';
import type https from 'node:https';
import { lazyBuiltin } from '../../../lazy-builtin.js';
import {
  timeoutError,
  type HttpTransport,
  type TransportRequest,
  type TransportResponse,
} from './transport.js';

// Loaded when this transport is chosen, not by every process that imports the REST client.
const httpModule = lazyBuiltin<typeof http>('node:http');
const httpsModule = lazyBuiltin<typeof https>('node:https');

export class NodeHttpTransport implements HttpTransport {
  private readonly agent: http.Agent;
  private readonly module: typeof http | typeof https;

  constructor(
    private readonly secure: boolean,
    private readonly hostname: string,
    private readonly port: number,
  ) {
    const agentOptions = { keepAlive: true, scheduling: 'lifo' as const };
    this.module = secure ? httpsModule() : httpModule();
    this.agent = new this.module.Agent(agentOptions);
  }

  request(call: TransportRequest): Promise<TransportResponse> {
    const { hostname, port, agent } = this;
    const { method, path, headers } = call;
    return new Promise<TransportResponse>((resolve, reject) => {
      const req = this.module.request({ agent, hostname, port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
          }),
        );
      });
      req.setTimeout(call.timeoutMs, () => req.destroy(timeoutError(call.op, call.timeoutMs)));
      req.on('error', reject);
      req.end(call.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
