/**
 * Loads workflows for the coordinator: definitions are cached separately (they never change), so a
 * cache miss on a known workflow costs one state-blob read. The index row is read beside it: its
 * `cancel_requested` is OR-ed in (reference §4.3) so a cancel that only reached the index is honoured by
 * every loader, and its state lets the table repair a row left stale by a crash.
 */
import type { Backend } from '../ports/backend.js';
import type { IndexRow } from '../ports/index-store.js';
import type { Runtime } from '../engine/api.js';
import type { DefinitionDocV1, StateDocV1 } from '../wire/docs.js';
import { WorkflowRuntime } from '../engine/index.js';
import { LruMap } from './lru.js';

export interface LoadedWorkflow {
  runtime: Runtime;
  etag: string;
  /** The index row says a user asked to cancel. */
  cancelRequested: boolean;
  /** The workflow state the index row shows (null: no row, or it could not be read). */
  indexState: IndexRow['workflowState'] | null;
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
    const rowP = this.backend.index.get(workflowId).catch(() => null);
    const stored = await this.loadDocs(workflowId);
    const row = await rowP;
    if (!stored) return null;
    return {
      runtime: WorkflowRuntime.fromDocs(stored.def, stored.state),
      etag: stored.etag,
      cancelRequested: row?.cancelRequested ?? false,
      indexState: row?.workflowState ?? null,
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
