/**
 * `--metrics-port`: Prometheus `/metrics` (a private prom-client Registry) with every counter of
 * reference §5.11 and jobq's additions, batch/flush latency histograms, cache size and lease state.
 * Loaded only when metrics are asked for (prom-client is heavy); the probes live in probe-server.ts.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CoordinatorStats, NumericStat } from './stats.js';
import type { RouteHandler } from './probe-server.js';

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
  leaseHeld(): boolean;
  /** True while a --standby coordinator waits for the lease. */
  standingBy(): boolean;
}

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
    new Gauge({
      name: 'jobq_coordinator_standby',
      help: '1 while this coordinator stands by (waits for the lease held by another)',
      registers: [this.registry],
      collect() {
        this.set(source.standingBy() ? 1 : 0);
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

  /** The `/metrics` route: the registry's text exposition. */
  route(): RouteHandler {
    return (res) => {
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    };
  }
}
