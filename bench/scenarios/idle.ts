/**
 * `idle`: storage transactions per hour of an idle coordinator + 2 idle workers (no workflows): the
 * cost a user pays for nothing. Every HTTP request the three processes make is counted by a proxy in
 * front of Azurite over a bounded window after start-up, then extrapolated linearly to an hour.
 */
import { randomBytes } from 'node:crypto';
import { startAzurite } from '../../src/azurite/embedded.js';
import type { BenchContext, BenchScenario } from '../lib/report.js';
import { startCountingProxy } from '../lib/counting-proxy.js';
import { startHost, totalTransactions, type HostProcess } from '../lib/host-process.js';
import { BENCH_QUEUE } from '../lib/shapes.js';

async function run(ctx: BenchContext): Promise<void> {
  const settleS = ctx.quick ? 5 : 15;
  const windowS = ctx.quick ? 20 : 75;
  const az = await startAzurite();
  const proxy = await startCountingProxy(az.ports);
  const hosts: HostProcess[] = [];
  try {
    const prefix = `Idle${randomBytes(4).toString('hex')}`;
    hosts.push(await startHost({ role: 'coordinator', ports: proxy.ports, prefix }));
    for (let i = 0; i < 2; i++) {
      // Workers with the default idle back-off cap (30 s), as `jobq worker` runs them.
      hosts.push(
        await startHost({
          role: 'worker',
          ports: proxy.ports,
          prefix,
          queue: BENCH_QUEUE,
          concurrency: 4,
          processor: 'noop',
          maxIdleBackoffS: 30,
        }),
      );
    }
    // Start-up (resources, lease, first sweeps) is not idle cost; let it pass first.
    await new Promise((r) => setTimeout(r, settleS * 1000));
    proxy.reset();
    const before = totalTransactions(await Promise.all(hosts.map((h) => h.report())));
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const counts = proxy.counts();
    const detail = proxy.detail();
    const after = totalTransactions(await Promise.all(hosts.map((h) => h.report())));
    const total = counts.blob + counts.queue + counts.table;
    const perHour = (total * 3600) / windowS;
    ctx.log(
      `idle: ${total} requests in ${windowS} s → ${perHour.toFixed(0)}/h (blob ${counts.blob}, queue ${counts.queue}, table ${counts.table})`,
    );
    const queueByKind = Object.fromEntries(
      Object.entries(after.byKind).map(([k, v]) => [k, v - (before.byKind[k] ?? 0)]),
    );
    ctx.emit({
      metric: 'storage_transactions_per_hour',
      value: perHour,
      unit: 'transactions/h',
      target: null,
      higher_is_better: false,
      settings: {
        processes: 'child processes: 1 coordinator (default settings), 2 workers (idle back-off cap 30 s)',
        workflows: 0,
        method: `HTTP requests counted by a proxy in front of Azurite over ${windowS} s after ${settleS} s of start-up, × 3600 / ${windowS}`,
        window_s: windowS,
        requests: counts,
        requests_by_operation: detail,
        queue_pool_transactions: queueByKind,
      },
    });
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
    await proxy.close();
    await az.stop();
  }
}

export const scenario: BenchScenario = {
  name: 'idle',
  description: 'storage transactions per hour of an idle coordinator + 2 idle workers (no workflows)',
  run,
};
