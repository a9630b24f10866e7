/** Worker options (raw → defaults → validated) and the worker environment knobs of reference §7.1. */
import type { Logger } from '../log.js';
import type { Backend } from '../ports/backend.js';
import type { Target } from '../config/types.js';
import { ConfigError, UsageError } from '../errors.js';
import { WORKER_DEFAULTS } from '../config/defaults.js';
import { queueSpecProblem, type BareQueueBackend } from '../model/queue-names.js';
import { TASK_LOG_DEFAULTS, type TaskLogSettings } from './attempt-log.js';

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
  /**
   * At the idle pace, poll on a wall-clock grid just after the coordinator's (default true): a task
   * dispatched when the coordinator wakes is then found at the worker's next poll. Needs clocks in step
   * (NTP) across machines; off, each worker polls at its own random phase.
   */
  idleAlign?: boolean;
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
  /** How attempt logs are kept: refresh period and size bound (default TASK_LOG_DEFAULTS). */
  taskLogs?: TaskLogSettings;
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
  idleAlign: boolean;
  taskLogs: TaskLogSettings;
}

/** An env knob that is set: its trimmed text, or null when unset or blank (blank means "use the default"). */
function envText(env: NodeJS.ProcessEnv, key: string): string | null {
  const raw = env[key];
  return raw === undefined || raw.trim() === '' ? null : raw.trim();
}

/**
 * A duration knob in seconds, with an optional `s` suffix (`2s`, as the reference docs write it).
 * Malformed or negative values are a ConfigError (DECISIONS §7); values below `min` are raised to it,
 * as the reference does for its documented minimums.
 */
function secondsEnv(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number): number {
  const text = envText(env, key);
  if (text === null) return fallback;
  const n = /^[0-9.eE+-]+s?$/i.test(text) ? Number(text.replace(/s$/i, '')) : NaN;
  if (!Number.isFinite(n) || n < 0) {
    throw new ConfigError(
      `${key} must be a number of seconds >= 0 (e.g. ${fallback} or ${fallback}s), got '${text}'.`,
    );
  }
  return Math.max(min, n);
}

/** A yes/no knob: 1/true/yes/on or 0/false/no/off, any case. */
function switchEnv(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const text = envText(env, key);
  if (text === null) return fallback;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new ConfigError(`${key} must be 1 or 0 (also true/false, yes/no, on/off), got '${text}'.`);
}

/** `JOBQ_COMPLETION_SEND_MAX_ATTEMPTS`: a non-negative integer, 0 = retry forever (reference §6.5). */
function attemptsEnv(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const text = envText(env, key);
  if (text === null) return fallback;
  if (!/^\d+$/.test(text)) {
    throw new ConfigError(
      `${key} must be a whole number of attempts >= 0 (0 = retry publishing forever), got '${text}'.`,
    );
  }
  return Number(text);
}

/** Smallest log bound: a few lines must always fit. */
export const MIN_LOG_MAX_BYTES = 4096;

/** `JOBQ_LOG_MAX_BYTES`: a whole number of bytes >= MIN_LOG_MAX_BYTES, with an optional KiB/MiB suffix. */
function bytesEnv(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const text = envText(env, key);
  if (text === null) return fallback;
  const m = /^(\d+)\s*(k|kib|m|mib)?$/i.exec(text);
  const unit = m?.[2]?.toLowerCase().startsWith('m') ? 1024 * 1024 : m?.[2] ? 1024 : 1;
  const n = m ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(n) || n < MIN_LOG_MAX_BYTES) {
    throw new ConfigError(
      `${key} must be a number of bytes >= ${MIN_LOG_MAX_BYTES} (e.g. 1048576 or 1MiB), got '${text}'.`,
    );
  }
  return n;
}

/**
 * Read `JOBQ_CANCEL_POLL_INTERVAL` (seconds, default 30, min 1), `JOBQ_COMPLETION_SEND_MAX_ATTEMPTS`
 * (default 0 = forever), `JOBQ_KILL_TIMEOUT` (seconds, default 600) and `JOBQ_MAX_IDLE_BACKOFF` (seconds,
 * default 1.2, min 0.05), `JOBQ_IDLE_ALIGN` (1/0, default 1: idle polls on the wall-clock grid just after
 * the coordinator's), `JOBQ_LOG_REFRESH_INTERVAL` (seconds between task-log refreshes, default 10,
 * 0 = off, min 1) and `JOBQ_LOG_MAX_BYTES` (task-log bound, default 1 MiB). A malformed value throws a one-line ConfigError naming the variable; the
 * reference silently fell back to the default instead.
 */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnvSettings {
  return {
    cancelPollIntervalS: Math.floor(
      secondsEnv(env, 'JOBQ_CANCEL_POLL_INTERVAL', WORKER_DEFAULTS.cancelPollIntervalS, 1),
    ),
    completionSendMaxAttempts: attemptsEnv(
      env,
      'JOBQ_COMPLETION_SEND_MAX_ATTEMPTS',
      WORKER_DEFAULTS.completionSendMaxAttempts,
    ),
    killTimeoutS: secondsEnv(env, 'JOBQ_KILL_TIMEOUT', WORKER_DEFAULTS.killTimeoutS, 0),
    maxIdleBackoffS: secondsEnv(env, 'JOBQ_MAX_IDLE_BACKOFF', WORKER_DEFAULTS.maxIdleBackoffS, 0.05),
    idleAlign: switchEnv(env, 'JOBQ_IDLE_ALIGN', WORKER_DEFAULTS.idleAlign),
    taskLogs: {
      refreshIntervalS: logRefreshEnv(env),
      maxBytes: bytesEnv(env, 'JOBQ_LOG_MAX_BYTES', TASK_LOG_DEFAULTS.maxBytes),
    },
  };
}

/** 0 turns refreshes off; anything else is raised to 1 s (a blob write per second per task at most). */
function logRefreshEnv(env: NodeJS.ProcessEnv): number {
  const s = secondsEnv(env, 'JOBQ_LOG_REFRESH_INTERVAL', TASK_LOG_DEFAULTS.refreshIntervalS, 0);
  return s === 0 ? 0 : Math.max(1, s);
}

/** The option values `validateWorkerOptions` checks: everything but the opened backend and logger. */
export type WorkerOptionValues = Omit<WorkerOptions, 'backend' | 'logger'>;

/**
 * Reject option values no worker can run with (one-line usage errors). The CLI calls this before it
 * connects, passing `bareQueues` (the service a bare queue name lives on) so that a queue name the
 * service would refuse is reported here rather than as a storage error.
 */
export function validateWorkerOptions(
  opts: WorkerOptionValues,
  check: { bareQueues?: BareQueueBackend } = {},
): void {
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
  if (!Number.isInteger(opts.completionSendMaxAttempts) || opts.completionSendMaxAttempts < 0) {
    throw new UsageError(
      `JOBQ_COMPLETION_SEND_MAX_ATTEMPTS must be an integer >= 0 (0 = forever), got ${opts.completionSendMaxAttempts}.`,
    );
  }
  if (opts.taskLogs) {
    const { refreshIntervalS: r, maxBytes: b } = opts.taskLogs;
    if (!(r >= 0)) throw new UsageError(`the task-log refresh interval must be >= 0 seconds, got ${r}.`);
    if (!Number.isSafeInteger(b) || b < MIN_LOG_MAX_BYTES)
      throw new UsageError(
        `the task-log bound must be a whole number of bytes >= ${MIN_LOG_MAX_BYTES}, got ${b}.`,
      );
  }
  if (!['shell', 'noop', 'sleep'].includes(opts.processor)) {
    throw new UsageError(`--processor must be shell, noop or sleep, got '${opts.processor}'.`);
  }
  if (check.bareQueues) {
    const problem = queueSpecProblem(opts.queue, check.bareQueues);
    if (problem) throw new UsageError(`Invalid queue '${opts.queue}': ${problem}.`);
  }
}

/** The dead-letter queue spec of a task queue: `<queue>-failed` on the same backend (reference §4.1). */
export function deadLetterSpec(queueSpec: string): string {
  const m = /^sb:\/\/([^/]+)\/?$/.exec(queueSpec);
  // `sb://ns` alone names queue `ns`; appending would change the namespace instead of the queue.
  if (m) return `sb://${m[1]}/${m[1].split('.')[0]}-failed`;
  return `${queueSpec.replace(/\/+$/, '')}-failed`;
}
