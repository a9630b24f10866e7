/**
 * jobq as a library: the client, the coordinator and worker (to embed them), the definition model,
 * the engine, and the task-side helpers for Node tasks (also at `jobq/task`).
 */
export { WorkflowClient, type WorkflowClientOptions } from './client/workflow-client.js';
export {
  readTaskLog,
  followTaskLog,
  type TaskLogAnswer,
  type TaskLogFound,
  type TaskLogMissing,
  type MissingLogReason,
  type FollowEvent,
} from './client/logs.js';
export { Coordinator, type CoordinatorOptions, type CoordinatorStats } from './coordinator/index.js';
export { Worker } from './worker/index.js';
export {
  parseDefinition,
  parseDefinitionText,
  loadDefinitionFile,
  validateDefinition,
  sequentializeFanIn,
  fitFanIn,
  type WorkflowDefinition,
  type TaskDefinition,
  type DepPolicy,
  type ResultPolicy,
} from './model/index.js';
export { compileCondition, validateCondition, ConditionError } from './condition/index.js';
export { WorkflowRuntime } from './engine/index.js';
export type { Runtime, StepResult, TaskStatusRecord, SummaryCounters } from './engine/index.js';
export { resolveConfig, requireTarget } from './config/resolve.js';
export { openAzureBackend } from './adapters/azure/open.js';
export { openMemoryBackend } from './adapters/memory/open.js';
export { createMemoryWorld } from './adapters/memory/world.js';
export { startAzurite, type EmbeddedAzurite } from './azurite/embedded.js';
export * from './errors.js';
export * as task from './task/index.js';
