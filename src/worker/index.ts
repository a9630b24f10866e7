/** The workflow-aware worker (`jobq worker`) and its building blocks for embedding (run-local). */
export { Worker, DEFAULT_STOP_GRACE_MS } from './worker.js';
export {
  workerSettingsFromEnv,
  validateWorkerOptions,
  deadLetterSpec,
  type WorkerOptions,
  type WorkerStats,
  type WorkerEnvSettings,
  type ProcessorKind,
} from './options.js';
export { targetEnv, buildTaskEnv, TASK_ENV } from './task-env.js';
export { failBucket, simulatedFailure } from './load-processors.js';
export { CANCELLED_ERROR } from './run-task.js';
