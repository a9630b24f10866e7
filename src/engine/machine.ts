/**
 * The mutable half of a runtime and every transition rule (reference §2.4–2.9 with the DECISIONS §4
 * fixes). Counters per state, per-child done/failed parent counts and the failed-sink count are kept
 * incrementally, so applying a completion costs O(children touched), never O(tasks).
 */
import type { OutputResolver, StepResult, TaskDispatch } from './api.js';
import {
  CANCELLED,
  CLASS_FAILED,
  CLASS_SATISFIED,
  COMPLETED,
  DEP_CLASS,
  FAILED,
  IS_TERMINAL,
  PENDING,
  READY,
  READY_PENDING_BUDGET,
  RUNNING,
  SKIPPED,
  UPSTREAM_FAILED,
  VERDICT_SATISFIED,
  VERDICT_UNSATISFIABLE,
  policyVerdict,
} from './codes.js';
import { ConditionCache, evaluateCondition } from './conditions.js';
import type { TaskTable } from './layout.js';
import { ReadyHeap } from './ready-heap.js';

export const UPSTREAM_FAILED_ERROR = 'upstream task(s) failed';
export const DEFAULT_FAILURE_ERROR = 'task failed';

/** Accumulates one step's effects; turned into a StepResult at the end. */
export class StepBuilder {
  dispatch: TaskDispatch[] = [];
  needOutputs: string[] = [];
  /** Created on first use: most steps need no outputs. */
  needSeen: Set<string> | null = null;
  changed = false;
  retried = false;
  conditionErrors = 0;
  cascaded: string[] = [];
  madeReady = 0;
  resolve: OutputResolver | undefined;
  constructor(
    readonly nowMs: number,
    resolve: OutputResolver | undefined,
  ) {
    this.resolve = resolve;
  }
}

/** Mutable per-task and per-workflow state plus the transition rules. */
export class TaskMachine {
  readonly state: Uint8Array;
  readonly attempt: Int32Array;
  readonly doneParents: Int32Array;
  readonly failedParents: Int32Array;
  /** Epoch seconds, 0 = null. */
  readonly startedAt: Uint32Array;
  readonly completedAt: Uint32Array;
  readonly outputRefs = new Map<number, string>();
  readonly errors = new Map<number, string>();
  /** jobq extension: tasks completed from the cache → `<wf>/<task>/<attempt>` of the source. */
  readonly cachedFrom = new Map<number, string>();
  /** jobq extension: ignore cache hits (`retry --no-cache`). */
  noCache = false;
  /**
   * jobq extension: READY tasks waiting for their mutex/semaphore → epoch ms they started waiting. They
   * stay READY (the reference's vocabulary) but are never drained until the lock is granted.
   */
  readonly lockWaits = new Map<number, number>();
  /** Tasks per state code. */
  readonly counts = new Int32Array(9);
  failedSinks = 0;
  cancelRequested = false;
  activated = false;
  /** READY/parked tasks waiting for a slot, and those queued since the last drain (to park). */
  private readonly heap = new ReadyHeap();
  private fresh: number[] = [];
  /** Pending tasks to (re-)examine: conditions waiting for blob outputs, or loaded from a doc. */
  readonly recheck = new Set<number>();
  private readonly conditions = new ConditionCache();
  private readonly stack: number[] = [];
  private step: StepBuilder = new StepBuilder(0, undefined);

  constructor(
    readonly table: TaskTable,
    readonly maxParallelism: number | null,
  ) {
    const n = table.size;
    this.state = new Uint8Array(n);
    this.attempt = new Int32Array(n);
    this.doneParents = new Int32Array(n);
    this.failedParents = new Int32Array(n);
    this.startedAt = new Uint32Array(n);
    this.completedAt = new Uint32Array(n);
    this.counts[PENDING] = n;
  }

  /** Recount every derived counter from task states (after loading a document). */
  recount(): void {
    const t = this.table;
    this.counts.fill(0);
    this.doneParents.fill(0);
    this.failedParents.fill(0);
    this.failedSinks = 0;
    for (let i = 0; i < t.size; i++) {
      const s = this.state[i];
      this.counts[s]++;
      const cls = DEP_CLASS[s];
      if (cls === CLASS_FAILED && t.isSink(i)) this.failedSinks++;
      if (cls === 0) continue;
      const arr = cls === CLASS_SATISFIED ? this.doneParents : this.failedParents;
      for (let k = t.childOff[i]; k < t.childOff[i + 1]; k++) arr[t.childIdx[k]]++;
    }
  }

  begin(nowMs: number, resolve: OutputResolver | undefined): StepBuilder {
    this.step = new StepBuilder(nowMs, resolve);
    return this.step;
  }

  private get nowS(): number {
    return Math.floor(this.step.nowMs / 1000);
  }

  /** Set a task's state, keeping counts, children's parent counters and the failed-sink count exact. */
  setState(i: number, s: number): void {
    const old = this.state[i];
    if (old === s) return;
    this.step.changed = true;
    this.state[i] = s;
    if (s !== READY && this.lockWaits.size > 0) this.lockWaits.delete(i);
    this.counts[old]--;
    this.counts[s]++;
    const oc = DEP_CLASS[old];
    const nc = DEP_CLASS[s];
    if (oc === nc) return;
    const t = this.table;
    if (t.isSink(i)) this.failedSinks += (nc === CLASS_FAILED ? 1 : 0) - (oc === CLASS_FAILED ? 1 : 0);
    const done = this.doneParents;
    const failed = this.failedParents;
    for (let k = t.childOff[i], end = t.childOff[i + 1]; k < end; k++) {
      const c = t.childIdx[k];
      if (oc === CLASS_SATISFIED) done[c]--;
      else if (oc === CLASS_FAILED) failed[c]--;
      if (nc === CLASS_SATISFIED) done[c]++;
      else if (nc === CLASS_FAILED) failed[c]++;
    }
  }

  /** Move a task to a terminal state and examine its children (cascades run iteratively). */
  finish(i: number, s: number, error: string | null): void {
    this.finishNested(i, s, error);
    this.settleStack();
  }

  private settleStack(): void {
    const t = this.table;
    while (this.stack.length > 0) {
      const p = this.stack.pop() as number;
      for (let k = t.childOff[p], end = t.childOff[p + 1]; k < end; k++) {
        const c = t.childIdx[k];
        if (this.state[c] === PENDING) this.examine(c);
      }
    }
  }

  /** Apply the dependency policy (and condition) to a pending task (reference §2.6). */
  examine(c: number): void {
    const t = this.table;
    const v = policyVerdict(t.policy[c], t.parentCount(c), this.doneParents[c], this.failedParents[c]);
    if (v === VERDICT_UNSATISFIABLE) {
      this.recheck.delete(c);
      this.finishNested(c, UPSTREAM_FAILED, UPSTREAM_FAILED_ERROR);
    } else if (v === VERDICT_SATISFIED) {
      if (this.cancelRequested) return;
      const expr = t.conditions.get(c);
      if (expr === undefined) {
        this.recheck.delete(c);
        this.makeReady(c);
      } else this.evaluateCandidate(c, expr);
    }
  }

  /** Like `finish`, but from inside `settleStack` (children go on the shared stack). */
  private finishNested(i: number, s: number, error: string | null): void {
    this.completedAt[i] = this.nowS;
    if (error === null) this.errors.delete(i);
    else this.errors.set(i, error);
    this.setState(i, s);
    if (s === SKIPPED || s === UPSTREAM_FAILED) this.step.cascaded.push(this.table.name(i));
    this.stack.push(i);
  }

  private evaluateCandidate(c: number, expr: string): void {
    const t = this.table;
    const parents: [string, string | null][] = [];
    for (let k = t.parentOff[c]; k < t.parentOff[c + 1]; k++) {
      const p = t.parentIdx[k];
      parents.push([t.name(p), this.outputRefs.get(p) ?? null]);
    }
    const outcome = evaluateCondition(this.conditions.get(c, expr), parents, this.step.resolve);
    if (outcome.kind === 'need') {
      this.recheck.add(c);
      for (const r of outcome.refs) {
        const seen = (this.step.needSeen ??= new Set<string>());
        if (seen.has(r)) continue;
        seen.add(r);
        this.step.needOutputs.push(r);
      }
      return;
    }
    this.recheck.delete(c);
    if (outcome.kind === 'ready') this.makeReady(c);
    else {
      if (outcome.error) this.step.conditionErrors++;
      this.finishNested(c, SKIPPED, outcome.reason);
    }
  }

  /** A task whose dependencies are met: merge nodes complete in place (DECISIONS §4.7), others queue. */
  makeReady(c: number): void {
    this.step.madeReady++;
    if (this.activated && !this.cancelRequested && this.table.mergeNodes.has(c)) {
      this.completeMerge(c);
      return;
    }
    this.setState(c, READY);
    this.enqueue(c);
  }

  private completeMerge(c: number): void {
    this.attempt[c] = Math.max(1, this.attempt[c]);
    this.startedAt[c] = this.nowS;
    this.outputRefs.delete(c);
    this.finishNested(c, COMPLETED, null);
  }

  /** Queue a READY/parked task for dispatch (used when loading and by ready-repair). */
  enqueue(i: number): void {
    this.heap.push(i);
    this.fresh.push(i);
  }

  /** Re-examine pending tasks noted in `recheck` (conditions waiting on outputs, loaded strays). */
  recheckPending(): void {
    if (this.recheck.size === 0 || this.cancelRequested) return;
    // Definition order, so a reloaded runtime (which finds them in that order) behaves the same.
    for (const c of [...this.recheck].sort((a, b) => a - b)) {
      if (this.state[c] !== PENDING) this.recheck.delete(c);
      else this.examine(c);
      this.settleStack();
    }
  }

  private hasSlot(): boolean {
    const max = this.maxParallelism;
    return max === null || this.counts[RUNNING] < max;
  }

  /**
   * Dispatch queued READY/parked tasks while slots are free (DECISIONS §4.3: in the same step a slot
   * frees); the rest are parked as `ready_pending_budget`. Nothing moves before activation or after cancel.
   */
  drain(): void {
    if (!this.activated || this.cancelRequested) return;
    const h = this.heap;
    while (h.size > 0) {
      const i = h.peek();
      const s = this.state[i];
      if ((s !== READY && s !== READY_PENDING_BUDGET) || this.lockWaits.has(i)) h.pop();
      else if (this.table.mergeNodes.has(i)) {
        h.pop();
        this.completeMerge(i);
        this.settleStack();
      } else if (!this.hasSlot()) break;
      else {
        h.pop();
        this.dispatch(i);
      }
    }
    this.parkFresh();
  }

  /** Tasks queued in this step that are still READY wait for a slot: park them (merge nodes complete). */
  private parkFresh(): void {
    while (this.fresh.length > 0) {
      const batch = this.fresh;
      this.fresh = [];
      for (const i of batch) {
        if (this.state[i] !== READY || this.lockWaits.has(i)) continue;
        if (this.table.mergeNodes.has(i)) {
          this.completeMerge(i);
          this.settleStack();
        } else this.setState(i, READY_PENDING_BUDGET);
      }
    }
  }

  private dispatch(i: number): void {
    this.cachedFrom.delete(i);
    this.attempt[i]++;
    this.startedAt[i] = this.nowS;
    this.setState(i, RUNNING);
    this.step.dispatch.push({
      task: this.table.name(i),
      attemptNo: this.attempt[i],
      queue: this.table.queue(i),
    });
  }

  /**
   * jobq extension: undo the dispatch of a RUNNING task that must wait for its lock (no message was
   * sent): READY again at its previous attempt, its place in the lock's queue kept by `sinceMs`.
   */
  deferForLock(i: number, sinceMs: number): void {
    this.attempt[i] = Math.max(0, this.attempt[i] - 1);
    this.startedAt[i] = 0;
    this.setState(i, READY);
    this.lockWaits.set(i, sinceMs);
  }

  /** jobq extension: the lock of a waiting task was granted: queue it for dispatch (budget permitting). */
  grantLock(i: number): void {
    this.lockWaits.delete(i);
    this.step.changed = true;
    this.enqueue(i);
  }

  /** Failure path shared by completions and timeouts (DECISIONS §4.1: at most num_retries + 1 runs). */
  fail(i: number, outputRef: string | null, error: string | null): void {
    const err = error ?? DEFAULT_FAILURE_ERROR;
    if (this.attempt[i] < this.table.numRetries[i] + 1 && !this.cancelRequested) {
      this.errors.set(i, err);
      this.startedAt[i] = 0;
      this.step.changed = true;
      this.step.retried = true;
      if (this.policyHolds(i)) {
        this.setState(i, READY);
        this.enqueue(i);
      } else this.setState(i, PENDING); // a workflow retry reset a parent it waited on: wait again
      return;
    }
    if (outputRef === null) this.outputRefs.delete(i);
    else this.outputRefs.set(i, outputRef);
    this.finish(i, FAILED, err);
  }

  succeed(i: number, outputRef: string | null): void {
    if (outputRef === null) this.outputRefs.delete(i);
    else this.outputRefs.set(i, outputRef);
    this.finish(i, COMPLETED, null);
  }

  /** Cancel every pending/ready/parked task (reference §2.10); running ones finish on their own. */
  cancelWaiting(): void {
    const nowS = this.nowS;
    for (let i = 0; i < this.table.size; i++) {
      const s = this.state[i];
      if (s === PENDING || s === READY || s === READY_PENDING_BUDGET) {
        this.completedAt[i] = nowS;
        this.setState(i, CANCELLED);
      }
    }
    this.recheck.clear();
  }

  private policyHolds(i: number): boolean {
    const t = this.table;
    return (
      policyVerdict(t.policy[i], t.parentCount(i), this.doneParents[i], this.failedParents[i]) ===
      VERDICT_SATISFIED
    );
  }

  /** Workflow retry, part 1 (reference §2.11): failed/upstream_failed/cancelled → pending. */
  resetFailedTasks(): number {
    let reset = 0;
    for (let i = 0; i < this.table.size; i++) {
      if (DEP_CLASS[this.state[i]] !== CLASS_FAILED) continue;
      this.setState(i, PENDING);
      this.attempt[i] = 0;
      this.startedAt[i] = 0;
      this.completedAt[i] = 0;
      this.errors.delete(i);
      this.outputRefs.delete(i);
      this.cachedFrom.delete(i);
      reset++;
    }
    return reset;
  }

  /**
   * Workflow retry, part 2: a waiting task whose policy needed a now-reset parent to be terminal
   * (e.g. `all_settled`) goes back to pending; then every pending task is examined (conditions
   * included, transitively).
   */
  examineAllPending(): void {
    const t = this.table;
    for (let i = 0; i < t.size; i++) {
      const s = this.state[i];
      if (s !== READY && s !== READY_PENDING_BUDGET) continue;
      if (!this.policyHolds(i)) this.setState(i, PENDING);
    }
    for (let i = 0; i < this.table.size; i++) {
      if (this.state[i] === PENDING) this.examine(i);
      this.settleStack();
    }
  }

  isTerminalTask(i: number): boolean {
    return IS_TERMINAL[this.state[i]] === 1;
  }

  /** The StepResult of the current step. */
  result(): StepResult {
    const s = this.step;
    return {
      dispatch: s.dispatch,
      needOutputs: s.needOutputs,
      changed: s.changed,
      ignored: null,
      retried: s.retried,
      conditionErrors: s.conditionErrors,
      cascaded: s.cascaded,
    };
  }

  /** `now` of the current step, epoch ms. */
  nowMs(): number {
    return this.step.nowMs;
  }

  markChanged(): void {
    this.step.changed = true;
  }
}
