/**
 * What the dashboard keeps per workflow: the definition's task graph (immutable, so read once), the
 * view graphs and layouts built from it (per set of expanded groups), and the latest runtime, which is
 * re-read only when the state blob's ETag changes.
 */
import type { Runtime } from '../engine/api.js';
import { WorkflowRuntime } from '../engine/index.js';
import { WorkflowNotFoundError } from '../errors.js';
import type { Backend } from '../ports/backend.js';
import type { DefinitionDocV1 } from '../wire/docs.js';
import { layoutInput, type GraphLayout } from './layout.js';
import { inlineLayout, type LayoutService } from './layout-runner.js';
import { buildViewGraph, NODE_BUDGET, type TaskGraph, type ViewGraph } from './view-graph.js';

/** A view graph with its layout. */
export interface LaidOutView {
  view: ViewGraph;
  layout: GraphLayout;
}

/** A built view graph and, once asked for, its layout (computed off the event loop, shared). */
interface CachedView {
  view: ViewGraph;
  layout: Promise<GraphLayout> | null;
}

/** The latest state of one workflow as read from its blob. */
export interface Snapshot {
  rt: Runtime;
  etag: string;
  /** When it was read (epoch ms). */
  readAt: number;
}

const MAX_VIEWS_PER_WORKFLOW = 8;

/** The task graph of a runtime, with parents as indices. */
export function taskGraphOf(rt: Runtime): TaskGraph {
  const names = rt.taskNames();
  const index = new Map<string, number>();
  names.forEach((n, i) => index.set(n, i));
  return {
    names,
    parents: names.map((n) => rt.parents(n).map((p) => index.get(p)!)),
    isMerge: names.map((n) => rt.isMergeNode(n)),
  };
}

/** Cache entry of one workflow. */
export class WorkflowEntry {
  private graph: TaskGraph | null = null;
  private readonly views = new Map<string, CachedView>();
  snapshot: Snapshot | null = null;
  private refreshing: Promise<Snapshot> | null = null;

  constructor(
    readonly workflowId: string,
    private readonly backend: Backend,
    private readonly def: DefinitionDocV1,
    private readonly budget: number,
    private readonly layouts: LayoutService = inlineLayout,
  ) {}

  /** The view graph for a set of expanded group keys (built once per set; no layout). */
  viewGraph(expand: readonly string[]): ViewGraph {
    return this.cached(expand).view;
  }

  /** The view for a set of expanded group keys with its layout (laid out once per set, off-thread). */
  async view(expand: readonly string[]): Promise<LaidOutView> {
    const c = this.cached(expand);
    if (!c.layout) {
      const pending = this.layouts.layout(layoutInput(c.view));
      c.layout = pending;
      // A failed layout is not kept: the next request tries again.
      pending.catch(() => {
        if (c.layout === pending) c.layout = null;
      });
    }
    return { view: c.view, layout: await c.layout };
  }

  private cached(expand: readonly string[]): CachedView {
    const key = [...expand].sort().join('\u0000');
    let v = this.views.get(key);
    if (v) {
      this.views.delete(key);
      this.views.set(key, v); // most recently used last
      return v;
    }
    if (!this.snapshot) throw new Error('view() before the first snapshot');
    this.graph ??= taskGraphOf(this.snapshot.rt);
    v = { view: buildViewGraph(this.graph, { budget: this.budget, expand }), layout: null };
    this.views.set(key, v);
    if (this.views.size > MAX_VIEWS_PER_WORKFLOW) this.views.delete(this.views.keys().next().value!);
    return v;
  }

  /**
   * Re-read the state when its ETag moved (one HEAD per call otherwise). Concurrent callers share one
   * read. Returns the current snapshot.
   */
  async refresh(now: number): Promise<Snapshot> {
    this.refreshing ??= this.doRefresh(now).finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async doRefresh(now: number): Promise<Snapshot> {
    const etag = await this.backend.state.stateEtag(this.workflowId);
    if (this.snapshot && etag === this.snapshot.etag) return this.snapshot;
    const loaded = await this.backend.state.loadState(this.workflowId);
    if (!loaded) {
      // Only the definition exists (a crash between submit's two writes): its initial state.
      if (!this.snapshot) {
        const rt = WorkflowRuntime.fromDocs(this.def, null);
        this.snapshot = { rt, etag: '', readAt: now };
      }
      return this.snapshot;
    }
    const rt = WorkflowRuntime.fromDocs(this.def, loaded.state);
    this.snapshot = { rt, etag: loaded.etag, readAt: now };
    return this.snapshot;
  }
}

/** Workflows the dashboard has opened, most recently used kept (definitions are immutable). */
export class WorkflowCache {
  private readonly entries = new Map<string, WorkflowEntry>();

  constructor(
    private readonly backend: Backend,
    private readonly opts: { budget?: number; maxEntries?: number; layouts?: LayoutService } = {},
  ) {}

  /** The entry of a workflow with a fresh snapshot; WorkflowNotFoundError when it has no blobs. */
  async get(workflowId: string, now = Date.now()): Promise<WorkflowEntry> {
    let e = this.entries.get(workflowId);
    if (!e) {
      // First visit: definition and state in one parallel read (no ETag probe needed yet).
      const stored = await this.backend.state.load(workflowId);
      if (!stored)
        throw new WorkflowNotFoundError(`workflow not found: ${workflowId} in ${this.backend.target}`);
      e = new WorkflowEntry(
        workflowId,
        this.backend,
        stored.def,
        this.opts.budget ?? NODE_BUDGET,
        this.opts.layouts,
      );
      e.snapshot = {
        rt: WorkflowRuntime.fromDocs(stored.def, stored.state),
        etag: stored.etag,
        readAt: now,
      };
      this.entries.set(workflowId, e);
      const max = this.opts.maxEntries ?? 20;
      if (this.entries.size > max) this.entries.delete(this.entries.keys().next().value!);
      return e;
    }
    await e.refresh(now);
    return e;
  }

  /** Forget a workflow (after purge, or when it vanished). */
  drop(workflowId: string): void {
    this.entries.delete(workflowId);
  }
}
