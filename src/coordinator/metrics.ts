/**
 * `--metrics-port`: Prometheus `/metrics` (a private prom-client Registry) with every counter of
 * reference §5.11 and jobq's additions, batch/flush latency histograms, cache size and lease state;
 * `/healthz` answers 200 only while the lease is held and the main loop made progress recently.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CoordinatorStats, NumericStat } from './stats.js';

/** Counters that only ever grow (exported as Prometheus counters); the rest are gauges. */
const GAUGES: ReadonlySet<NumericStat> = new Set([
  'cached_workflows',
  'cached_tasks',
  'last_workflow_latency_s',
  'running_workflows',
  'admission_waiting',
  'orphan_blobs',
]);

export interface MetricsSource {
  stats(): CoordinatorStats;
  /** Epoch ms of the last main-loop iteration that finished. */
  lastProgressAt(): number;
  leaseHeld(): boolean;
}

/** Address the metrics server binds unless told otherwise (loopback: no authentication). */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

export class CoordinatorMetrics {
  readonly registry = new Registry();
  readonly batchSeconds: Histogram;
  readonly flushSeconds: Histogram;

  constructor(private readonly source: MetricsSource) {
    const sample = source.stats();
    for (const key of Object.keys(sample) as (keyof CoordinatorStats)[]) {
      if (key === 'lease_state') continue;
      const name = `jobq_coordinator_${key}${GAUGES.has(key) ? '' : '_total'}`;
      const help = `coordinator ${key.replace(/_/g, ' ')}`;
      if (GAUGES.has(key)) {
        new Gauge({
          name,
          help,
          registers: [this.registry],
          collect() {
            this.set(source.stats()[key] as number);
          },
        });
      } else {
        new Counter({
          name,
          help,
          registers: [this.registry],
          collect() {
            this.reset();
            this.inc(source.stats()[key] as number);
          },
        });
      }
    }
    new Gauge({
      name: 'jobq_coordinator_lease_held',
      help: '1 while this coordinator holds the prefix lease',
      registers: [this.registry],
      collect() {
        this.set(source.leaseHeld() ? 1 : 0);
      },
    });
    const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    this.batchSeconds = new Histogram({
      name: 'jobq_coordinator_batch_seconds',
      help: 'receive → apply → push time per batch',
      buckets,
      registers: [this.registry],
    });
    this.flushSeconds = new Histogram({
      name: 'jobq_coordinator_flush_seconds',
      help: 'state-blob CAS write time',
      buckets,
      registers: [this.registry],
    });
  }

  /** Healthy: lease held and the loop turned within `staleMs`. */
  healthy(staleMs: number): boolean {
    return this.source.leaseHeld() && Date.now() - this.source.lastProgressAt() < staleMs;
  }

  /**
   * Serve `/metrics` and `/healthz` on `host:port` (0 = any free port). Loopback by default: the
   * endpoint is unauthenticated, so exposing it is an explicit choice. Resolves to the bound address.
   */
  async listen(
    port: number,
    staleMs: number,
    host = DEFAULT_METRICS_HOST,
  ): Promise<{ port: number; host: string; close(): Promise<void> }> {
    const server: Server = createServer((req, res) => {
      if (req.url === '/metrics') {
        this.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
      } else if (req.url === '/healthz') {
        const ok = this.healthy(staleMs);
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'unhealthy\n');
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    const bound = typeof addr === 'object' && addr ? addr : { port, address: host };
    return {
      port: bound.port,
      host: bound.address,
      close: () => new Promise<void>((r) => server.close(() => r())),
    };
  }
}
