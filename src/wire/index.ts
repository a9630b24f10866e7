/** Codecs for every byte that leaves the process over a queue (see docs/architecture.md "Messages"). */
export { encodeCompactRefs, decodeCompactRefs, type CompactRefs } from './compact-refs.js';
export {
  encodeTaskMessage,
  decodeTaskMessage,
  taskMessageId,
  type DecodedTask,
  type TaskMessageInput,
} from './task-message.js';
export { encodeCompletionMessage, type Completion } from './completion-message.js';
export {
  encodeControlMessage,
  decodeCoordinatorMessage,
  CONTROL_TASK_NAME,
  type ControlMessage,
  type CoordinatorMessage,
} from './control-message.js';
