import type { DefinitionDocV1, StateDocV1 } from '../wire/docs.js';

/** A workflow as loaded from storage: the immutable definition, the mutable state and its ETag. */
export interface StoredWorkflow {
  def: DefinitionDocV1;
  /** null when only a definition exists (crash between writes): the state is then the definition's initial state. */
  state: StateDocV1 | null;
  /** ETag of the state blob (or of the legacy blob); pass it to `saveState`. */
  etag: string;
  /** Loaded from a legacy `<id>.json` full blob. */
  legacy: boolean;
}

/** A state document already encoded as its blob bytes (gzip JSON v1) by an incremental encoder. */
export interface EncodedStateDoc {
  readonly encoded: true;
  readonly workflowId: string;
  readonly bytes: Buffer;
}

/**
 * Definition and state blobs in `<prefix>-workflows` (reference §4.1–4.3). Adapters gzip (level 1)
 * on write, detect gzip by magic bytes on read, and translate 412 → StateConflictError,
 * "already exists" → WorkflowExistsError.
 */
export interface StateStore {
  /** Create the container(s) if missing. Idempotent. */
  ensureResources(): Promise<void>;
  /** Write the definition blob (must not exist) then the initial state blob. Returns the state ETag. */
  createWorkflow(def: DefinitionDocV1, state: StateDocV1): Promise<string>;
  /** Definition + state in parallel; legacy fallback; null if neither exists. */
  load(workflowId: string): Promise<StoredWorkflow | null>;
  loadDefinition(workflowId: string): Promise<DefinitionDocV1 | null>;
  loadState(workflowId: string): Promise<{ state: StateDocV1; etag: string } | null>;
  /**
   * ETag of the state blob (else of the legacy blob) without reading it, null when neither exists: lets a
   * watcher (the `track` dashboard) download and decode the state only when it changed.
   */
  stateEtag(workflowId: string): Promise<string | null>;
  /** CAS write of the state blob with If-Match `etag`; returns the new ETag. */
  saveState(state: StateDocV1 | EncodedStateDoc, etag: string): Promise<string>;
  /** Delete def, state and legacy blobs. True if any existed. */
  deleteWorkflow(workflowId: string): Promise<boolean>;
  /** IDs of every workflow that has any blob (def, state or legacy), for orphan detection. */
  listWorkflowIds(): Promise<string[]>;
  /** Delete the container(s). */
  dropResources(): Promise<void>;
}
