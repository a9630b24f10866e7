/** `jobq worker QUEUE`: the workflow-aware worker process (reference §6, DECISIONS §1). */
import { resolve as resolvePath } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { resolveConfig, requireTarget } from '../../config/resolve.js';
import { WORKER_DEFAULTS } from '../../config/defaults.js';
import type { Worker as WorkerClass } from '../../worker/index.js';
import {
  DEFAULT_STOP_GRACE_MS,
  workerSettingsFromEnv,
  targetEnv,
  type ProcessorKind,
} from '../../worker/index.js';
import { validateWorkerOptions, type WorkerOptionValues } from '../../worker/options.js';
import type { Target } from '../../config/types.js';
import { positiveInt, positiveNumber, rawFlagText } from '../context.js';
import { compileLongRunningCodeEagerly } from '../v8-tiering.js';

interface WorkerArgs {
  queue: string;
  concurrency: number;
  'visibility-timeout': number;
  'idle-timeout'?: number;
  'max-idle-backoff'?: number;
  'idle-align'?: boolean;
  processor: string;
  'shutdown-grace': number;
  'log-refresh-interval'?: number;
  target?: string;
  queues?: string;
  blobs?: string;
  config?: string;
  'log-level'?: string;
}

function builder(y: Argv): Argv<WorkerArgs> {
  return y
    .positional('queue', {
      type: 'string',
      describe: 'Task queue: NAME, ACCOUNT/NAME or sb://NAMESPACE/NAME',
      demandOption: true,
    })
    .option('concurrency', {
      type: 'number',
      default: WORKER_DEFAULTS.concurrency,
      describe: 'Tasks run at once',
    })
    .option('visibility-timeout', {
      type: 'number',
      default: WORKER_DEFAULTS.visibilityTimeoutS,
      describe: 'Seconds a received message stays invisible; extended every half of it while the task runs',
    })
    .option('idle-timeout', {
      type: 'number',
      describe: 'Exit after this many seconds without work (default: never)',
    })
    .option('max-idle-backoff', {
      type: 'number',
      describe: `Longest wait in seconds between polls of an empty queue (env JOBQ_MAX_IDLE_BACKOFF, default ${WORKER_DEFAULTS.maxIdleBackoffS}); higher: fewer transactions, slower wake-up`,
    })
    .option('idle-align', {
      type: 'boolean',
      describe:
        "At the idle pace, poll just after the coordinator's wall-clock grid so a dispatched task is found at the next poll " +
        '(env JOBQ_IDLE_ALIGN, default on; --no-idle-align: own random phase, e.g. when clocks are not in step)',
    })
    .option('processor', {
      type: 'string',
      choices: ['shell', 'noop', 'sleep'],
      default: 'shell',
      describe: 'shell runs kwargs.cmd; noop/sleep complete tasks without forking (load tests)',
    })
    .option('shutdown-grace', {
      type: 'number',
      default: DEFAULT_STOP_GRACE_MS / 1000,
      describe: 'On SIGTERM/SIGINT, seconds to let running tasks finish before returning them to the queue',
    })
    .option('log-refresh-interval', {
      type: 'number',
      describe:
        "Seconds between refreshes of a running task's stored log, 0 = store it only when the attempt ends " +
        '(env JOBQ_LOG_REFRESH_INTERVAL, default 10)',
    })
    .option('target', {
      type: 'string',
      describe: 'ACCOUNT/PREFIX of the workflows (env JOBQ_WORKFLOW_PREFIX)',
    })
    .option('queues', {
      type: 'string',
      describe: 'Queue backend: account, connection string or sb://namespace',
    })
    .option('blobs', { type: 'string', describe: 'File-output location ACCOUNT/CONTAINER' })
    .option('config', { type: 'string', describe: 'Path of a jobq.yaml config file' })
    .example('$0 worker default --concurrency 4', 'run up to 4 tasks of queue "default" at once')
    .example('$0 worker gpu --idle-timeout 600', 'exit after 10 minutes without work')
    .epilogue(
      'Target: --target, else JOBQ_WORKFLOW_PREFIX=<account>/<prefix>, else jobq.yaml, else devstoreaccount1/Local ' +
        '(embedded Azurite). Env: JOBQ_CANCEL_POLL_INTERVAL, JOBQ_KILL_TIMEOUT, JOBQ_COMPLETION_SEND_MAX_ATTEMPTS, ' +
        'JOBQ_LOG_REFRESH_INTERVAL, JOBQ_LOG_MAX_BYTES (task logs, see `jobq workflow logs`), JOBQ_IDLE_ALIGN. ' +
        'See docs/workers.md.',
    ) as Argv<WorkerArgs>;
}

/** A seconds flag >= 0, or null when absent; the error echoes what the user typed. */
function secondsOrNull(v: number | undefined, flag: string): number | null {
  if (v === undefined) return null;
  if (!Number.isFinite(v) || v < 0) {
    const shown = Number.isNaN(v) ? (rawFlagText(`--${flag}`) ?? String(v)) : String(v);
    throw new UsageError(`--${flag} must be a number of seconds >= 0, got '${shown}'.`);
  }
  return v;
}

/** `--log-refresh-interval S`: 0 = off, else at least 1 s (as the env knob). */
function logRefreshFlag(v: number | undefined, fallback: number): number {
  const s = secondsOrNull(v, 'log-refresh-interval');
  if (s === null) return fallback;
  return s === 0 ? 0 : Math.max(1, s);
}

/** Every option value checked, with the target resolved: all of it before storage is contacted. */
function workerOptionValues(argv: WorkerArgs, target: Target, configPath: string | null): WorkerOptionValues {
  const env = workerSettingsFromEnv(process.env);
  secondsOrNull(argv['shutdown-grace'], 'shutdown-grace');
  const values: WorkerOptionValues = {
    queue: argv.queue,
    concurrency: positiveInt(argv.concurrency, '--concurrency'),
    visibilityTimeoutS: positiveNumber(argv['visibility-timeout'], '--visibility-timeout'),
    idleTimeoutS: secondsOrNull(argv['idle-timeout'], 'idle-timeout'),
    maxIdleBackoffS:
      argv['max-idle-backoff'] === undefined
        ? env.maxIdleBackoffS
        : positiveNumber(argv['max-idle-backoff'], '--max-idle-backoff'),
    idleAlign: argv['idle-align'] ?? env.idleAlign,
    processor: argv.processor as ProcessorKind,
    cancelPollIntervalS: env.cancelPollIntervalS,
    killTimeoutS: env.killTimeoutS,
    completionSendMaxAttempts: env.completionSendMaxAttempts,
    taskLogs: {
      ...env.taskLogs,
      refreshIntervalS: logRefreshFlag(argv['log-refresh-interval'], env.taskLogs.refreshIntervalS),
    },
    env: { ...process.env, ...targetEnv(target, configPath ? resolvePath(configPath) : null) },
  };
  validateWorkerOptions(values, {
    bareQueues: target.queues.kind === 'service-bus' ? 'service-bus' : 'storage',
  });
  return values;
}

async function runWorker(argv: WorkerArgs): Promise<void> {
  const cfg = resolveConfig({
    flags: { target: argv.target, queues: argv.queues, blobs: argv.blobs, config: argv.config },
    env: process.env,
  });
  const target = requireTarget(cfg);
  const values = workerOptionValues(argv, target, cfg.configPath);
  const logger = createLogger({ level: argv['log-level'] });
  compileLongRunningCodeEagerly();
  // Storage adapters load only now (start-up rule in commands/index.ts). Fails with a one-line
  // StorageUnreachableError (naming `jobq azurite`) when nothing listens.
  const { openAzureBackend } = await import('../../adapters/azure/open.js');
  const backend = await openAzureBackend(target, { logger });
  const { Worker } = await import('../../worker/index.js');
  const worker: WorkerClass = new Worker({ ...values, backend, logger });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    logger.info(
      { signal: sig },
      signals === 1 ? 'stopping: no new tasks, waiting for running ones' : 'stopping now',
    );
    void worker.stop({ graceMs: signals === 1 ? argv['shutdown-grace'] * 1000 : 0 });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await worker.start();
    await worker.done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await backend.close();
  }
}

/** `jobq worker QUEUE [--concurrency N] [--visibility-timeout S] [--idle-timeout S] …` */
export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: 'worker <queue>',
  describe: 'Run a workflow worker on QUEUE: runs each task command and publishes its completion',
  builder,
  handler: runWorker,
};
