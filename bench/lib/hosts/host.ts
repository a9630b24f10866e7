/**
 * A benchmark child process hosting a real Coordinator or real Workers (the engineers' classes, not
 * stand-ins), so the coordinator's CPU and memory can be read per process and each side's queue
 * transaction counts reported over IPC. Started by `bench/lib/fleet.ts` with `fork`.
 */
import { openAzureBackend } from '../../../src/adapters/azure/open.js';
import { Coordinator } from '../../../src/coordinator/index.js';
import { Worker } from '../../../src/worker/index.js';
import { DEFAULT_COORDINATOR_SETTINGS, WORKER_DEFAULTS } from '../../../src/config/defaults.js';
import { silentLogger, createLogger } from '../../../src/log.js';
import type { CoordinatorSettings } from '../../../src/config/types.js';
import { azuriteTarget } from '../target.js';
import type { HostConfig, HostReport, HostRequest } from './protocol.js';

const config = JSON.parse(process.env.JOBQ_BENCH_HOST ?? '{}') as HostConfig;

async function main(): Promise<void> {
  const logger = process.env.JOBQ_BENCH_LOG
    ? createLogger({ level: process.env.JOBQ_BENCH_LOG })
    : silentLogger();
  const backend = await openAzureBackend(azuriteTarget(config.ports, config.prefix), { logger });
  await backend.ensureResources();
  let stats: () => Record<string, unknown>;
  let stop: () => Promise<void>;
  if (config.role === 'coordinator') {
    const settings: CoordinatorSettings = { ...DEFAULT_COORDINATOR_SETTINGS, ...(config.settings ?? {}) };
    const coordinator = new Coordinator({ backend, settings, logger, coordinatorId: `bench-${process.pid}` });
    await coordinator.start();
    stats = () => ({ ...coordinator.stats() });
    stop = () => coordinator.stop();
  } else {
    const workers = Array.from(
      { length: config.workers ?? 1 },
      () =>
        new Worker({
          backend,
          queue: config.queue ?? 'default',
          concurrency: config.concurrency ?? 16,
          visibilityTimeoutS: WORKER_DEFAULTS.visibilityTimeoutS,
          idleTimeoutS: null,
          maxIdleBackoffS: config.maxIdleBackoffS ?? 2,
          processor: config.processor ?? 'noop',
          cancelPollIntervalS: WORKER_DEFAULTS.cancelPollIntervalS,
          killTimeoutS: 10,
          completionSendMaxAttempts: 0,
          logger,
        }),
    );
    await Promise.all(workers.map((w) => w.start()));
    stats = () => {
      const sum: Record<string, number> = {};
      for (const w of workers) for (const [k, v] of Object.entries(w.stats)) sum[k] = (sum[k] ?? 0) + v;
      return sum;
    };
    stop = async () => {
      await Promise.all(workers.map((w) => w.stop({ graceMs: 5_000 })));
    };
  }
  const report = (): HostReport => ({
    type: 'report',
    role: config.role,
    stats: stats(),
    transactions: { ...backend.queues.transactions() },
    cpuUs: process.cpuUsage(),
    rssBytes: process.memoryUsage().rss,
  });
  process.on('message', (msg: HostRequest) => {
    if (msg.cmd === 'report') process.send?.(report());
    if (msg.cmd === 'stop') {
      void stop()
        .then(() => backend.close())
        .finally(() => {
          process.send?.(report(), () => process.exit(0));
        });
    }
  });
  // The benchmark died (timeout, Ctrl-C): do not outlive it.
  process.on('disconnect', () => process.exit(1));
  process.send?.({ type: 'ready' });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench host (${config.role}) failed: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
