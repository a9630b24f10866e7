/** The workflow engine: a pure, compact state machine for DAG workflows (see docs/architecture.md). */
export { WorkflowRuntime } from './runtime.js';
export { retriesRemaining } from './status.js';
export { decodeInlineRef } from './conditions.js';
export type * from './api.js';
export * from './states.js';
