/** Task-side helpers for Node tasks run by a jobq workflow worker (DECISIONS §5). */
export {
  setOutput,
  serializeOutput,
  stashFile,
  getUpstreamOutput,
  getUpstreamOutputs,
  getRealUpstreamTasks,
  isCancelled,
  downloadStash,
  readStash,
} from './helpers.js';
export {
  TaskContext,
  taskEnvironment,
  readUpstreamSidecar,
  type TaskEnvironment,
  type TaskContextOptions,
} from './context.js';
export { BlobStash } from '../wire/stash.js';
