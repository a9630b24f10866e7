/**
 * `idle`: storage transactions per hour of an idle coordinator + worker pair (no workflows): the cost a
 * user pays for nothing. Both are whole `jobq` processes (bin/jobq.js, default settings); each talks to
 * Azurite through its own counting proxy, so every HTTP request it makes is counted and attributed over
 * a bounded window after start-up, then extrapolated linearly to an hour.
 */
import { randomBytes } from 'node:crypto';
import { startAzurite } from '../../src/azurite/embedded.js';
import { DEFAULT_COORDINATOR_SETTINGS, WORKER_DEFAULTS } from '../../src/config/defaults.js';
import type { BenchContext, BenchScenario } from '../lib/report.js';
import { startCountingProxy, type CountingProxy } from '../lib/counting-proxy.js';
import { requireBuiltCli, startJobq, type JobqProcess } from '../lib/jobq-process.js';
import { BENCH_QUEUE } from '../lib/shapes.js';

const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

async function run(ctx: BenchContext): Promise<void> {
  requireBuiltCli();
  const settleS = ctx.quick ? 8 : 15;
  const windowS = ctx.quick ? 30 : 75;
  const az = await startAzurite();
  const proxies: CountingProxy[] = [];
  const procs: JobqProcess[] = [];
  try {
    const prefix = `Idle${randomBytes(4).toString('hex')}`;
    const env = { JOBQ_WORKFLOW_PREFIX: `devstoreaccount1/${prefix}` };
    for (let i = 0; i < 2; i++) proxies.push(await startCountingProxy(az.ports));
    const coordinator = startJobq(['workflow', 'coordinator'], { ports: proxies[0].ports, env });
    procs.push(coordinator);
    await coordinator.waitForLine(/coordinator started/, 60_000);
    const worker = startJobq(['worker', BENCH_QUEUE], { ports: proxies[1].ports, env });
    procs.push(worker);
    await worker.waitForLine(/worker started/, 60_000);
    // Start-up (resources, lease, first sweeps, the first seconds' brisk polls) is not idle cost.
    await new Promise((r) => setTimeout(r, settleS * 1000));
    for (const p of proxies) p.reset();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const [c, w] = proxies.map((p) => ({ counts: p.counts(), detail: p.detail() }));
    const total = sum(c.counts) + sum(w.counts);
    const perHour = (total * 3600) / windowS;
    ctx.log(
      `idle: ${total} requests in ${windowS} s → ${perHour.toFixed(0)}/h (coordinator ${JSON.stringify(c.detail)}, worker ${JSON.stringify(w.detail)})`,
    );
    ctx.emit({
      metric: 'storage_transactions_per_hour',
      value: perHour,
      unit: 'transactions/h',
      target: 7680,
      higher_is_better: false,
      settings: {
        processes:
          'jobq workflow coordinator + jobq worker QUEUE (node bin/jobq.js, default settings), no workflows',
        coordinator_max_idle_sleep_s: DEFAULT_COORDINATOR_SETTINGS.maxIdleSleepS,
        worker_max_idle_backoff_s: WORKER_DEFAULTS.maxIdleBackoffS,
        lease_renew_interval_s: DEFAULT_COORDINATOR_SETTINGS.leaseRenewIntervalS,
        method: `HTTP requests counted by one proxy per process in front of Azurite over ${windowS} s after ${settleS} s of start-up, × 3600 / ${windowS}`,
        window_s: windowS,
        coordinator_per_hour: Math.round((sum(c.counts) * 3600) / windowS),
        worker_per_hour: Math.round((sum(w.counts) * 3600) / windowS),
        coordinator_requests: c.detail,
        worker_requests: w.detail,
      },
    });
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all(proxies.map((p) => p.close()));
    await az.stop();
  }
}

export const scenario: BenchScenario = {
  name: 'idle',
  description: 'storage transactions per hour of an idle jobq coordinator + worker pair (no workflows)',
  run,
};
