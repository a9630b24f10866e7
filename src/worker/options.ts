/** Worker options (raw → defaults → validated) and the worker environment knobs of reference §7.1. */
import type { Logger } from '../log.js';
import type { Backend } from '../ports/backend.js';
import type { Target } from '../config/types.js';
import { UsageError } from '../errors.js';
import { WORKER_DEFAULTS } from '../config/defaults.js';

/** How a task message is executed: `shell` runs `kwargs.cmd`; `noop`/`sleep` are load-test processors. */
export type ProcessorKind = 'shell' | 'noop' | 'sleep';

export interface WorkerOptions {
  backend: Backend;
  /** Queue spec (`name`, `account/name`, `sb://ns/name`) on the backend's queue pool. */
  queue: string;
  concurrency: number;
  visibilityTimeoutS: number;
  /** Exit after this many seconds without work; null = run until stopped. */
  idleTimeoutS: number | null;
  maxIdleBackoffS: number;
  processor: ProcessorKind;
  cancelPollIntervalS: number;
  killTimeoutS: number;
  /** 0 = retry forever. */
  completionSendMaxAttempts: number;
  logger: Logger;
  /** Base environment of task processes (default process.env); carries the JOBQ_WORKFLOW_* target. */
  env?: NodeJS.ProcessEnv;
  /**
   * The target the backend was opened on. When given, its JOBQ_WORKFLOW_PREFIX/QUEUES/BLOBS and Azurite
   * ports are laid over `env`, so `jobq task …` inside tasks reaches this storage (run-local).
   */
  target?: Target;
  workerId?: string;
  /** First completion-publish back-off, ms (default 1000; doubles up to `completionRetryMaxMs`). */
  completionRetryInitialMs?: number;
  /** Cap of the completion-publish back-off, ms (default 60000). */
  completionRetryMaxMs?: number;
}

export interface WorkerStats {
  received: number;
  succeeded: number;
  failed: number;
  published: number;
  deadLettered: number;
  mergeCompleted: number;
}

/** Worker knobs taken from the environment (reference §7.1); flags override them. */
export interface WorkerEnvSettings {
  cancelPollIntervalS: number;
  completionSendMaxAttempts: number;
  killTimeoutS: number;
  maxIdleBackoffS: number;
}

function intEnv(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`${key} must be a number of seconds, got '${raw}'.`);
  return Math.max(min, n);
}

/** Parse a duration that may carry an `s` suffix (`2s`, as the reference docs write it). */
function secondsEnv(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number): number {
  const raw = env[key];
  if (raw === undefined) return fallback;
  return intEnv({ [key]: raw.trim().replace(/s$/i, '') }, key, fallback, min);
}

/**
 * Read `JOBQ_CANCEL_POLL_INTERVAL` (default 30, min 1), `JOBQ_COMPLETION_SEND_MAX_ATTEMPTS` (default 0 =
 * forever; a non-integer also means 0, as in the reference), `JOBQ_KILL_TIMEOUT` (600) and
 * `JOBQ_MAX_IDLE_BACKOFF` (30).
 */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnvSettings {
  const attemptsRaw = Number(env.JOBQ_COMPLETION_SEND_MAX_ATTEMPTS ?? '');
  return {
    cancelPollIntervalS: Math.floor(
      secondsEnv(env, 'JOBQ_CANCEL_POLL_INTERVAL', WORKER_DEFAULTS.cancelPollIntervalS, 1),
    ),
    completionSendMaxAttempts:
      Number.isInteger(attemptsRaw) && attemptsRaw > 0
        ? attemptsRaw
        : WORKER_DEFAULTS.completionSendMaxAttempts,
    killTimeoutS: secondsEnv(env, 'JOBQ_KILL_TIMEOUT', WORKER_DEFAULTS.killTimeoutS, 0),
    maxIdleBackoffS: secondsEnv(env, 'JOBQ_MAX_IDLE_BACKOFF', WORKER_DEFAULTS.maxIdleBackoffS, 0.05),
  };
}

/** Reject option values no worker can run with (one-line usage errors). */
export function validateWorkerOptions(opts: WorkerOptions): void {
  const positive = (v: number, name: string) => {
    if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${name} must be a positive number, got ${v}.`);
  };
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
    throw new UsageError(`--concurrency must be a positive integer, got ${opts.concurrency}.`);
  }
  positive(opts.visibilityTimeoutS, '--visibility-timeout');
  positive(opts.maxIdleBackoffS, '--max-idle-backoff');
  positive(opts.cancelPollIntervalS, 'JOBQ_CANCEL_POLL_INTERVAL');
  if (opts.idleTimeoutS !== null && !(opts.idleTimeoutS >= 0)) {
    throw new UsageError(`--idle-timeout must be >= 0 seconds, got ${opts.idleTimeoutS}.`);
  }
  if (!(opts.killTimeoutS >= 0))
    throw new UsageError(`JOBQ_KILL_TIMEOUT must be >= 0, got ${opts.killTimeoutS}.`);
  if (!['shell', 'noop', 'sleep'].includes(opts.processor)) {
    throw new UsageError(`--processor must be shell, noop or sleep, got '${opts.processor}'.`);
  }
}

/** The dead-letter queue spec of a task queue: `<queue>-failed` on the same backend (reference §4.1). */
export function deadLetterSpec(queueSpec: string): string {
  const m = /^sb:\/\/([^/]+)\/?$/.exec(queueSpec);
  // `sb://ns` alone names queue `ns`; appending would change the namespace instead of the queue.
  if (m) return `sb://${m[1]}/${m[1].split('.')[0]}-failed`;
  return `${queueSpec.replace(/\/+$/, '')}-failed`;
}
