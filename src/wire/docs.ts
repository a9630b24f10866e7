/**
 * The v1 storage documents of reference §4.2 (the JSON objects before gzip). These are the exact key
 * sets the Python ai4s-jobq reads and writes; the engine converts its compact runtime to and from them.
 */
import type { DepPolicy, ResultPolicy } from '../model/types.js';
import type { TaskState, WorkflowState } from '../model/states.js';
import type { DefinitionExtension } from '../model/extensions.js';

export const DOC_VERSION = 1;

export interface DefinitionTaskDocV1 {
  parents: string[];
  children: string[];
  queue: string;
  num_retries: number;
  dep_policy: DepPolicy;
  timeout_s: number | null;
  condition: string | null;
  kwargs: Record<string, unknown>;
}

/** `<id>.def.bin`: immutable, written once at submit. */
export interface DefinitionDocV1 {
  v: 1;
  workflow_id: string;
  name: string;
  default_queue: string;
  result_policy: ResultPolicy;
  max_parallelism: number | null;
  created_at: string;
  tasks: Record<string, DefinitionTaskDocV1>;
  /** jobq-only extension object (DECISIONS §4.17), present only when a definition uses one. */
  jobq?: DefinitionExtension;
}

/** The state document's jobq-only key. */
export interface StateExtension {
  /** task → `<workflow>/<task>/<attempt>` whose cached result completed it. */
  cached?: Record<string, string>;
  /** The last `retry --no-cache`: ignore cache hits. */
  no_cache?: boolean;
  /** READY tasks waiting for their mutex/semaphore → epoch ms they started waiting (never dispatched meanwhile). */
  lock_waits?: Record<string, number>;
}

/**
 * Per-task mutable state. jobq omits fields that hold their default (`pending`, 0, null) and may omit
 * pending tasks entirely (DECISIONS §3); readers default every missing field.
 */
export interface StateTaskDocV1 {
  state?: TaskState;
  completed_parents?: number;
  failed_parents?: number;
  output_ref?: string | null;
  error?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
  attempt_no?: number;
}

/** `<id>.state.bin`: rewritten on every flush under ETag compare-and-swap. */
export interface StateDocV1 {
  v: 1;
  workflow_id: string;
  workflow_state: WorkflowState;
  cancel_requested: boolean;
  updated_at: string;
  error: string | null;
  tasks: Record<string, StateTaskDocV1>;
  /** jobq-only extension object, present only when used. */
  jobq?: StateExtension;
}

/** Legacy `<id>.json` full document (read-only fallback). */
export interface LegacyDocV1 {
  v: 1;
  workflow_id: string;
  name: string;
  default_queue: string;
  result_policy?: ResultPolicy;
  max_parallelism?: number | null;
  workflow_state: WorkflowState;
  cancel_requested?: boolean;
  created_at: string;
  updated_at: string;
  error?: string | null;
  tasks: Record<string, DefinitionTaskDocV1 & StateTaskDocV1 & { name?: string }>;
}
