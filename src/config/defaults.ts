import type { CoordinatorSettings } from './types.js';

/** Every built-in default in one place (reference §5.1, DECISIONS §4). */
export const DEFAULT_COORDINATOR_SETTINGS: Readonly<CoordinatorSettings> = Object.freeze({
  batchSize: 32,
  visibilityTimeoutS: 60,
  idleSleepS: 0.5,
  maxIdleSleepS: 1.2,
  cancelPollIntervalS: 1,
  flushRetryLimit: 2,
  readySweepIntervalS: 60,
  readyRepairThresholdS: 300,
  runningTimeoutS: null,
  runningSweepIntervalS: 60,
  activationSweepIntervalS: 10,
  orphanSweepIntervalS: 300,
  statsLogIntervalS: 10,
  cacheMaxWorkflows: 1024,
  cacheMaxTasks: 2_000_000,
  maxRunningWorkflows: null,
  leaseDurationS: 60,
  leaseRenewIntervalS: 15,
  leaseAcquireIntervalS: 0.5,
  indexRefreshIntervalS: 5,
  maxReceivesPerCycle: 64,
  pushConcurrency: 64,
  ackConcurrency: 64,
  metricsPort: null,
  healthPort: null,
});

export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
export const AZURITE_DEFAULT_PORTS = Object.freeze({ blob: 10000, queue: 10001, table: 10002 });
/** `jobq azurite`'s data directory (disk persistence), relative to the working directory (azurite/README.md). */
export const AZURITE_DATA_DIR = './.jobq/azurite';
/** Target used when nothing is configured (DECISIONS §2). */
export const EMBEDDED_DEFAULT_PREFIX = 'Local';
export const DEFAULT_BLOBS_CONTAINER = 'jobq-workflow-data';

export const WORKER_DEFAULTS = Object.freeze({
  concurrency: 1,
  visibilityTimeoutS: 300,
  cancelPollIntervalS: 30,
  killTimeoutS: 600,
  maxIdleBackoffS: 1.2,
  idleAlign: true,
  completionSendMaxAttempts: 0,
});
