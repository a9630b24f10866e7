/**
 * Loads workflows for the coordinator: definitions are cached separately (they never change), so a
 * cache miss on a known workflow costs one state-blob read. The index's `cancel_requested` is OR-ed in
 * at load (reference §4.3) so a cancel that only reached the index is honoured by every loader.
 */
import type { Backend } from '../ports/backend.js';
import type { Runtime } from '../engine/api.js';
import type { DefinitionDocV1, StateDocV1 } from '../wire/docs.js';
import { WorkflowRuntime } from '../engine/index.js';
import { LruMap } from './lru.js';

export interface LoadedWorkflow {
  runtime: Runtime;
  etag: string;
  /** The index row says a user asked to cancel. */
  cancelRequested: boolean;
}

/** Definitions are immutable, so many more of them than runtimes are worth keeping. */
const DEFINITION_CACHE_FACTOR = 8;

export class WorkflowLoader {
  private readonly defs: LruMap<string, DefinitionDocV1>;
  loads = 0;

  constructor(
    private readonly backend: Backend,
    cacheMaxWorkflows: number,
  ) {
    this.defs = new LruMap(Math.max(1024, cacheMaxWorkflows * DEFINITION_CACHE_FACTOR));
  }

  /** The workflow as stored now, or null if it does not exist (deleted or never submitted). */
  async load(workflowId: string): Promise<LoadedWorkflow | null> {
    this.loads++;
    const cancelP = this.backend.index.getCancelRequested(workflowId).catch(() => false);
    const stored = await this.loadDocs(workflowId);
    const cancelRequested = await cancelP;
    if (!stored) return null;
    return {
      runtime: WorkflowRuntime.fromDocs(stored.def, stored.state),
      etag: stored.etag,
      cancelRequested,
    };
  }

  /** Forget a definition (the workflow vanished). */
  forget(workflowId: string): void {
    this.defs.delete(workflowId);
  }

  private async loadDocs(
    workflowId: string,
  ): Promise<{ def: DefinitionDocV1; state: StateDocV1 | null; etag: string } | null> {
    const def = this.defs.get(workflowId);
    if (def) {
      const s = await this.backend.state.loadState(workflowId);
      if (s) return { def, state: s.state, etag: s.etag };
      this.defs.delete(workflowId);
    }
    const w = await this.backend.state.load(workflowId);
    if (!w) return null;
    // A legacy blob holds definition and state together under one ETag: never split-read it.
    if (!w.legacy && w.state) this.defs.set(workflowId, w.def);
    return { def: w.def, state: w.state, etag: w.etag };
  }
}
