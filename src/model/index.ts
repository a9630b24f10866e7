/** Workflow definitions: parsing, validation, names, fan-in transform, message sizing. */
export * from './types.js';
export { parseDefinition, loadDefinitionFile } from './load.js';
export { parseDefinitionText } from './parse-text.js';
export { validateDefinition, type ValidateOptions } from './validate.js';
export {
  validateWorkflowId,
  generateWorkflowId,
  validateTaskName,
  validatePrefix,
  isMergeName,
  MAX_TASK_NAME_LENGTH,
  MAX_WORKFLOW_ID_LENGTH,
  MAX_PREFIX_LENGTH,
  RESERVED_TASK_PREFIX,
} from './names.js';
export { sequentializeFanIn, fitFanIn, mergeNodeName, type FitOptions } from './fan-in.js';
export {
  taskMessageBytes,
  STORAGE_QUEUE_MAX_MESSAGE_BYTES,
  DEFAULT_WORKFLOW_ID_LENGTH,
} from './message-size.js';
export { WorkflowDefinitionSchema, TaskSchema, workflowDefinitionJsonSchema } from './schema.js';
export * from './extensions.js';
export { canonicalJson, sha256Hex, workflowIdForIdempotencyKey } from './fingerprint.js';
