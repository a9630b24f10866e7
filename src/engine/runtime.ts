/**
 * `WorkflowRuntime`: the pure workflow state machine behind the `Runtime` contract (engine/api.ts).
 * Structure lives in a compact `TaskTable`, mutable state and transition rules in `TaskMachine`;
 * this class adds the workflow-level rules (activation, cancel, retry, state recompute) and queries.
 */
import { StateTextWriter, type StateDocText } from './state-text.js';
import { DefinitionError } from '../errors.js';
import type { DepPolicy, ResultPolicy, WorkflowDefinition } from '../model/types.js';
import { DEFAULT_QUEUE, DEFAULT_RESULT_POLICY } from '../model/types.js';
import type { DefinitionDocV1, LegacyDocV1, StateDocV1 } from '../wire/docs.js';
import type {
  CompletionInput,
  OutputResolver,
  RetryResult,
  Runtime,
  StepResult,
  SummaryCounters,
  TaskStatusRecord,
} from './api.js';
import {
  CANCELLED,
  COMPLETED,
  FAILED,
  IS_TERMINAL,
  PENDING,
  READY,
  READY_PENDING_BUDGET,
  RUNNING,
  SKIPPED,
  STATE_NAMES,
  UPSTREAM_FAILED,
  decodePolicy,
} from './codes.js';
import type { TaskTable } from './layout.js';
import { TaskMachine } from './machine.js';
import {
  loadStateExtension,
  loadTaskStates,
  metaFromDocs,
  primeAfterLoad,
  splitLegacyDoc,
  tableFromDefinition,
  tableFromDefinitionDoc,
  writeDefinitionDoc,
  writeStateDoc,
  type WorkflowMeta,
} from './serialize.js';
import { isTerminalWorkflowState, type TaskState, type WorkflowState } from './states.js';
import { buildStatus, realUpstream } from './status.js';
import { isoMs } from './time.js';
import {
  EXTENSION_DOC_KEY,
  definitionExtensionOf,
  type DefinitionExtension,
  type TaskExtension,
} from '../model/extensions.js';

type Ignored = StepResult['ignored'];

/** The engine's implementation of `Runtime`. Create with `fromDefinition`, `fromDocs` or `fromLegacyDoc`. */
export class WorkflowRuntime implements Runtime {
  private readonly m: TaskMachine;
  private current: WorkflowState = 'pending';

  private constructor(
    private readonly table: TaskTable,
    private readonly meta: WorkflowMeta,
  ) {
    this.m = new TaskMachine(table, meta.maxParallelism);
  }

  /**
   * A new workflow (DECISIONS §4.2): roots `ready`, others `pending`, workflow `pending` and not
   * activated; `default_task_timeout_s` resolved into each task's timeout.
   */
  static fromDefinition(
    def: WorkflowDefinition,
    opts: {
      workflowId: string;
      now: number;
      extension?: Omit<DefinitionExtension, 'tasks' | 'idempotency_key'>;
    },
  ): WorkflowRuntime {
    const meta: WorkflowMeta = {
      workflowId: opts.workflowId,
      name: def.name,
      defaultQueue: def.default_queue || DEFAULT_QUEUE,
      resultPolicy: def.result_policy ?? DEFAULT_RESULT_POLICY,
      maxParallelism: def.max_parallelism ?? null,
      createdAt: isoMs(opts.now),
      updatedAtMs: opts.now,
      error: null,
      extension: definitionExtensionOf(def, opts.extension),
    };
    const rt = new WorkflowRuntime(tableFromDefinition(def), meta);
    rt.markRootsReady();
    return rt;
  }

  /**
   * Load stored documents (`state` null = initial state). Stored `workflow_state` `pending` means not yet
   * activated; any other value means activated. Unknown task names in the state are ignored.
   */
  static fromDocs(def: DefinitionDocV1, state: StateDocV1 | null): WorkflowRuntime {
    for (const doc of [def, state]) {
      if (doc !== null && doc.v !== 1)
        throw new DefinitionError(`unsupported schema version: ${String(doc.v)}`);
    }
    const meta = metaFromDocs(def, state);
    const rt = new WorkflowRuntime(tableFromDefinitionDoc(def.tasks ?? {}, meta.defaultQueue), meta);
    if (state === null) {
      rt.markRootsReady();
      return rt;
    }
    rt.m.activated = state.workflow_state !== 'pending';
    rt.m.cancelRequested = state.cancel_requested === true;
    loadTaskStates(rt.m, state.tasks);
    loadStateExtension(rt.m, state[EXTENSION_DOC_KEY]);
    primeAfterLoad(rt.m);
    rt.recompute();
    return rt;
  }

  /** Load the legacy full `<id>.json` document. */
  static fromLegacyDoc(doc: LegacyDocV1): WorkflowRuntime {
    const { def, state } = splitLegacyDoc(doc);
    return WorkflowRuntime.fromDocs(def, state);
  }

  private markRootsReady(): void {
    const m = this.m;
    m.begin(this.meta.updatedAtMs, undefined);
    for (let i = 0; i < this.table.size; i++) if (this.table.parentCount(i) === 0) m.makeReady(i);
    this.recompute();
  }

  get workflowId(): string {
    return this.meta.workflowId;
  }
  get name(): string {
    return this.meta.name;
  }
  get defaultQueue(): string {
    return this.meta.defaultQueue;
  }
  get resultPolicy(): ResultPolicy {
    return this.meta.resultPolicy;
  }
  get maxParallelism(): number | null {
    return this.meta.maxParallelism;
  }
  get createdAt(): string {
    return this.meta.createdAt;
  }
  get taskCount(): number {
    return this.table.size;
  }
  get state(): WorkflowState {
    return this.current;
  }
  get cancelRequested(): boolean {
    return this.m.cancelRequested;
  }
  get updatedAt(): string {
    return isoMs(this.meta.updatedAtMs);
  }
  get error(): string | null {
    return this.meta.error;
  }
  get activated(): boolean {
    return this.m.activated;
  }
  isTerminal(): boolean {
    return isTerminalWorkflowState(this.current);
  }

  /** Workflow state from the counters (reference §2.7, plus `pending` until activated). O(1). */
  private recompute(): void {
    const c = this.m.counts;
    const active = c[PENDING] + c[READY] + c[READY_PENDING_BUDGET] + c[RUNNING];
    let s: WorkflowState;
    if (this.table.size === 0) s = 'pending';
    else if (this.m.cancelRequested) s = active > 0 ? 'cancelling' : 'cancelled';
    else if (!this.m.activated) s = 'pending';
    else if (active > 0) s = this.table.size - c[PENDING] > 0 ? 'running' : 'pending';
    else s = this.resultFailed() ? 'failed' : 'completed';
    this.current = s;
  }

  /** Result policy (reference §2.8). */
  private resultFailed(): boolean {
    const c = this.m.counts;
    if (this.meta.resultPolicy === 'all_tasks_succeed')
      return c[FAILED] + c[UPSTREAM_FAILED] + c[CANCELLED] > 0;
    return this.m.failedSinks > 0 || c[COMPLETED] + c[SKIPPED] === 0;
  }

  /** Finish a step: continue waiting conditions, dispatch what may run, recompute, stamp. */
  private end(ignored: Ignored = null): StepResult {
    const m = this.m;
    if (ignored === null) {
      m.recheckPending();
      m.drain();
    }
    const r = m.result();
    r.ignored = ignored;
    if (r.changed) {
      this.meta.updatedAtMs = Math.max(this.meta.updatedAtMs, m.nowMs());
    }
    this.recompute();
    return r;
  }

  activate(now: number, resolve?: OutputResolver): StepResult {
    this.m.begin(now, resolve);
    if (!this.m.activated) {
      this.m.activated = true;
      this.m.markChanged();
    }
    return this.end();
  }

  applyCompletion(c: CompletionInput, now: number, resolve?: OutputResolver): StepResult {
    const m = this.m;
    m.begin(now, resolve);
    const i = this.table.indexOf(c.task);
    const verdict = i < 0 ? 'unknown_task' : this.acceptance(i, c.attemptNo);
    if (verdict !== null) return this.end(verdict);
    if (c.attemptNo !== null && c.attemptNo > m.attempt[i]) {
      m.attempt[i] = c.attemptNo;
      m.markChanged();
    }
    if (c.success) m.succeed(i, c.outputRef);
    else m.fail(i, c.outputRef, c.error);
    return this.end();
  }

  /** Reference §2.4 steps 2–5: which completions are applied. */
  private acceptance(i: number, attemptNo: number | null): Ignored {
    const s = this.m.state[i];
    if (IS_TERMINAL[s] === 1) return 'duplicate';
    const stored = this.m.attempt[i];
    if (attemptNo !== null && attemptNo < stored) return 'stale';
    if (s === RUNNING) return null;
    // Push-before-flush recovery: the message went out at a newer attempt than the state recorded.
    if ((s === READY || s === READY_PENDING_BUDGET) && (attemptNo === null || attemptNo > stored))
      return null;
    return 'duplicate';
  }

  evaluatePendingConditions(now: number, resolve: OutputResolver): StepResult {
    this.m.begin(now, resolve);
    return this.end();
  }

  applyTimeout(task: string, now: number, error: string, resolve?: OutputResolver): StepResult {
    const m = this.m;
    m.begin(now, resolve);
    const i = this.table.indexOf(task);
    if (i < 0) return this.end('unknown_task');
    if (m.state[i] !== RUNNING) return this.end('duplicate');
    m.fail(i, null, error);
    return this.end();
  }

  timedOutTasks(now: number, defaultTimeoutS: number | null): { task: string; timeoutS: number }[] {
    const out: { task: string; timeoutS: number }[] = [];
    const m = this.m;
    if (m.counts[RUNNING] === 0) return out;
    const nowS = now / 1000;
    for (let i = 0; i < this.table.size; i++) {
      if (m.state[i] !== RUNNING || m.startedAt[i] === 0) continue;
      const t = this.table.timeoutS[i] >= 0 ? this.table.timeoutS[i] : defaultTimeoutS;
      // started_at has whole-second precision: count from the end of that second, so never early.
      if (t !== null && nowS - (m.startedAt[i] + 1) > t) out.push({ task: this.table.name(i), timeoutS: t });
    }
    return out;
  }

  requestCancel(now: number): StepResult & { running: string[] } {
    const m = this.m;
    m.begin(now, undefined);
    const c = m.counts;
    if (!m.cancelRequested || c[PENDING] + c[READY] + c[READY_PENDING_BUDGET] > 0) {
      m.cancelRequested = true;
      m.markChanged();
      m.cancelWaiting();
    }
    const r = this.end();
    return { ...r, running: this.namesIn(RUNNING) };
  }

  resetFailed(now: number, resolve?: OutputResolver): RetryResult {
    const m = this.m;
    const step = m.begin(now, resolve);
    const reset = m.resetFailedTasks();
    if (m.cancelRequested) {
      m.cancelRequested = false;
      m.markChanged();
    }
    if (reset > 0) this.meta.error = null;
    m.examineAllPending();
    const r = this.end();
    return { ...r, reset, nowReady: step.madeReady, stillPending: m.counts[PENDING] };
  }

  redispatchReady(now: number, resolve?: OutputResolver): StepResult {
    const m = this.m;
    m.begin(now, resolve);
    if (m.activated && !m.cancelRequested)
      for (const i of this.indicesIn(READY)) if (!m.lockWaits.has(i)) m.enqueue(i);
    return this.end();
  }

  get extension(): DefinitionExtension | null {
    return this.meta.extension;
  }

  taskExtension(name: string): TaskExtension | null {
    return this.meta.extension?.tasks?.[name] ?? null;
  }

  get noCache(): boolean {
    return this.meta.extension?.no_cache === true || this.m.noCache;
  }

  setNoCache(noCache: boolean): void {
    this.m.noCache = noCache;
  }

  completeFromCache(
    task: string,
    attemptNo: number,
    outputRef: string | null,
    source: string,
    now: number,
    resolve?: OutputResolver,
  ): StepResult {
    const m = this.m;
    m.begin(now, resolve);
    const i = this.table.indexOf(task);
    if (i < 0) return this.end('unknown_task');
    if (m.state[i] !== RUNNING || m.attempt[i] !== attemptNo) return this.end('duplicate');
    m.cachedFrom.set(i, source);
    m.succeed(i, outputRef);
    return this.end();
  }

  cachedFrom(name: string): string | null {
    return this.m.cachedFrom.get(this.idx(name)) ?? null;
  }

  markStarted(task: string, now: number): boolean {
    const i = this.table.indexOf(task);
    if (i < 0 || this.m.state[i] !== RUNNING) return false;
    const s = Math.floor(now / 1000);
    if (this.m.startedAt[i] === s) return false;
    this.m.startedAt[i] = s;
    this.meta.updatedAtMs = Math.max(this.meta.updatedAtMs, now);
    return true;
  }

  readyTasks(): string[] {
    return this.indicesIn(READY)
      .filter((i) => !this.m.lockWaits.has(i))
      .map((i) => this.table.name(i));
  }

  deferForLock(task: string, attemptNo: number, now: number, resolve?: OutputResolver): StepResult {
    const m = this.m;
    m.begin(now, resolve);
    const i = this.table.indexOf(task);
    if (i < 0) return this.end('unknown_task');
    if (m.state[i] !== RUNNING || m.attempt[i] !== attemptNo) return this.end('duplicate');
    m.deferForLock(i, m.lockWaits.get(i) ?? now);
    return this.end();
  }

  grantLock(task: string, now: number, resolve?: OutputResolver): StepResult {
    const m = this.m;
    m.begin(now, resolve);
    const i = this.table.indexOf(task);
    if (i < 0) return this.end('unknown_task');
    if (m.state[i] !== READY || !m.lockWaits.has(i)) return this.end('duplicate');
    m.grantLock(i);
    return this.end();
  }

  lockWaitSince(task: string): number | null {
    const i = this.table.indexOf(task);
    return i < 0 ? null : (this.m.lockWaits.get(i) ?? null);
  }

  lockWaitingTasks(): string[] {
    return [...this.m.lockWaits.keys()].sort((a, b) => a - b).map((i) => this.table.name(i));
  }

  private indicesIn(s: number): number[] {
    const out: number[] = [];
    if (this.m.counts[s] === 0) return out;
    for (let i = 0; i < this.table.size; i++) if (this.m.state[i] === s) out.push(i);
    return out;
  }

  private namesIn(s: number): string[] {
    return this.indicesIn(s).map((i) => this.table.name(i));
  }

  summary(): SummaryCounters {
    const c = this.m.counts;
    return {
      total: this.table.size,
      completed: c[COMPLETED],
      running: c[RUNNING],
      failed: c[FAILED] + c[UPSTREAM_FAILED] + c[CANCELLED],
      pending: c[PENDING] + c[READY] + c[READY_PENDING_BUDGET],
      skipped: c[SKIPPED],
      ready: c[READY] + c[READY_PENDING_BUDGET],
    };
  }

  /** Tasks per state, for tests and metrics (sums to taskCount). */
  stateCounts(): Record<TaskState, number> {
    const out = {} as Record<TaskState, number>;
    STATE_NAMES.forEach((s, k) => (out[s] = this.m.counts[k]));
    return out;
  }

  private idx(name: string): number {
    const i = this.table.indexOf(name);
    if (i < 0) throw new RangeError(`unknown task '${name}' in workflow ${this.meta.workflowId}`);
    return i;
  }

  taskNames(): string[] {
    return Array.from({ length: this.table.size }, (_, i) => this.table.name(i));
  }
  hasTask(name: string): boolean {
    return this.table.indexOf(name) >= 0;
  }
  taskState(name: string): TaskState {
    return STATE_NAMES[this.m.state[this.idx(name)]];
  }
  taskStatus(name: string): TaskStatusRecord {
    return buildStatus(this.table, this.m, this.idx(name));
  }
  taskStatuses(): TaskStatusRecord[] {
    return Array.from({ length: this.table.size }, (_, i) => buildStatus(this.table, this.m, i));
  }
  taskKwargsJson(name: string): string {
    return this.table.kwargsJson(this.idx(name));
  }
  taskQueue(name: string): string {
    return this.table.queue(this.idx(name));
  }
  taskAttempt(name: string): number {
    return this.m.attempt[this.idx(name)];
  }
  parents(name: string): readonly string[] {
    return this.table.parentsOf(this.idx(name)).map((p) => this.table.name(p));
  }
  children(name: string): readonly string[] {
    return this.table.childrenOf(this.idx(name)).map((c) => this.table.name(c));
  }
  depPolicy(name: string): DepPolicy {
    return decodePolicy(this.table.policy[this.idx(name)]);
  }
  parentOutputRefs(name: string): [string, string | null][] {
    return this.table
      .parentsOf(this.idx(name))
      .map((p) => [this.table.name(p), this.m.outputRefs.get(p) ?? null]);
  }
  outputRef(name: string): string | null {
    return this.m.outputRefs.get(this.idx(name)) ?? null;
  }
  isMergeNode(name: string): boolean {
    return this.table.mergeNodes.has(this.idx(name));
  }
  realUpstreamTasks(name: string): string[] {
    return realUpstream(this.table, this.idx(name));
  }
  queuesUsed(): string[] {
    return [...this.table.queues].sort();
  }

  toDefinitionDoc(): DefinitionDocV1 {
    return writeDefinitionDoc(this.meta, this.table);
  }
  private textWriter: StateTextWriter | null = null;
  toStateText(): StateDocText {
    this.textWriter ??= new StateTextWriter(this.m);
    return this.textWriter.write(this.meta, this.current);
  }
  toStateDoc(): StateDocV1 {
    return writeStateDoc(this.meta, this.m, this.current);
  }
}
