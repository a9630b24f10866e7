/**
 * WorkflowClient: the user-facing operations of reference §7.3 with the DECISIONS differences — the
 * client never dispatches; it writes definition, state and index and asks the coordinator to act
 * through control messages on the completion queue (DECISIONS §4.2).
 */
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { IdempotencyConflictError, isJobqError, WorkflowNotFoundError } from '../errors.js';
import { EXTENSION_DOC_KEY } from '../model/extensions.js';
import type { Backend } from '../ports/backend.js';
import type { IndexRow } from '../ports/index-store.js';
import type { Runtime, TaskStatusRecord } from '../engine/api.js';
import { WorkflowRuntime } from '../engine/index.js';
import { isTerminalWorkflowState, type WorkflowState } from '../engine/states.js';
import type { WorkflowDefinition } from '../model/types.js';
import { MAX_ACTIVATE_BATCH, encodeControlMessage, type ActivateTarget } from '../wire/control-message.js';
import { prepareSubmission, smallestMessageLimit, type PreparedSubmission } from './submit.js';
import { indexColumnsOf, statusOf } from './status.js';
import { mapBounded } from './concurrency.js';
import { parkDispatchedTasks } from './retry-park.js';
import { lockWaitsOf } from './lock-waits.js';
import {
  dispatchRoots,
  planRootDispatch,
  type RootDispatchMode,
  type RootDispatchPlan,
} from './root-dispatch.js';
import type {
  BatchItemResult,
  RetryCounters,
  SubmitOptions,
  SubmitResult,
  SummaryReport,
  TaskFilter,
  WorkflowStatus,
} from './types.js';

export interface WorkflowClientOptions {
  backend: Backend;
  logger?: Logger;
  /** Clock (epoch ms); injectable for tests. */
  now?: () => number;
  /** Semaphore limits of the target (jobq.yaml / env): submit refuses an unknown semaphore. Unset: not checked. */
  semaphores?: Readonly<Record<string, number>>;
}

const MAX_CAS_ATTEMPTS = 8;

export class WorkflowClient {
  readonly backend: Backend;
  readonly logger: Logger;
  readonly now: () => number;
  readonly semaphores: Readonly<Record<string, number>> | undefined;
  private resourcesReady: Promise<void> | null = null;

  constructor(opts: WorkflowClientOptions) {
    this.backend = opts.backend;
    this.logger = opts.logger ?? silentLogger();
    this.now = opts.now ?? Date.now;
    this.semaphores = opts.semaphores;
  }

  /** Create containers, table and completion queue once per client (idempotent). */
  ensureResources(): Promise<void> {
    this.resourcesReady ??= this.backend.ensureResources().catch((err: unknown) => {
      this.resourcesReady = null;
      throw err;
    });
    return this.resourcesReady;
  }

  /** Validate and transform a definition without writing anything (see prepareSubmission). */
  prepare(def: WorkflowDefinition, opts: SubmitOptions = {}): PreparedSubmission {
    const limit = smallestMessageLimit(def, (spec) => this.backend.queues.get(spec).maxMessageBytes);
    return prepareSubmission(def, opts, limit, this.semaphores);
  }

  /** Validate, then write definition + state + index row and send `activate` (DECISIONS §4.2). */
  async submit(def: WorkflowDefinition, opts: SubmitOptions = {}): Promise<SubmitResult> {
    return this.submitPrepared(this.prepare(def, opts), { dispatchRoots: opts.dispatchRoots });
  }

  /**
   * How the roots of the next submissions get dispatched (DECISIONS §4.16): by the coordinator after
   * `activate`, or by submit itself when the prefix's lease is held by a coordinator that is not jobq.
   * `auto` costs one HEAD of the lock blob.
   */
  planRootDispatch(mode: RootDispatchMode = 'auto'): Promise<RootDispatchPlan> {
    return planRootDispatch(this.backend, mode, this.logger);
  }

  /**
   * Write a prepared submission. Order: blobs (definition must not exist → WorkflowExistsError), index
   * row, activate message. A crash after the blobs leaves an orphan that `doctor` reports and
   * `purge --orphans` removes; a lost activate message is recovered by the coordinator's activation sweep.
   * Under a coordinator that is not jobq, the roots are pushed instead of the activate message.
   */
  async submitPrepared(
    p: PreparedSubmission,
    opts: { dispatchRoots?: RootDispatchMode | RootDispatchPlan } = {},
  ): Promise<SubmitResult> {
    await this.ensureResources();
    const plan = await this.resolvePlan(opts.dispatchRoots);
    const stored = await this.store(p);
    if (stored.target) {
      if (plan.bySubmit) await dispatchRoots(this.backend, stored.rt, stored.etag, this.now(), this.logger);
      else await this.activate([stored.target]);
    }
    return { ...stored.result, rootsDispatchedBySubmit: stored.target !== null && plan.bySubmit };
  }

  private async resolvePlan(
    given: RootDispatchMode | RootDispatchPlan | undefined,
  ): Promise<RootDispatchPlan> {
    return typeof given === 'object' ? given : this.planRootDispatch(given ?? 'auto');
  }

  /**
   * Submit many prepared workflows with bounded concurrency; one result per item, in input order.
   * Workflows are written in chunks of up to MAX_ACTIVATE_BATCH and each chunk is activated by ONE
   * control message naming all of its workflows, instead of one message per workflow (each costs the
   * coordinator a receive share and a delete). A result is reported once its chunk's message is sent;
   * if that send fails, the chunk's workflows stay `pending` until the activation sweep admits them.
   */
  async submitBatch(
    items: { source: string; prepared: PreparedSubmission }[],
    opts: {
      concurrency?: number;
      onResult?: (r: BatchItemResult, index: number) => void;
      dispatchRoots?: RootDispatchMode | RootDispatchPlan;
    } = {},
  ): Promise<BatchItemResult[]> {
    await this.ensureResources();
    const plan = await this.resolvePlan(opts.dispatchRoots);
    const results: BatchItemResult[] = [];
    for (let start = 0; start < items.length; start += MAX_ACTIVATE_BATCH) {
      const chunk = items.slice(start, start + MAX_ACTIVATE_BATCH);
      const targets: ActivateTarget[] = [];
      const written = await mapBounded(chunk, opts.concurrency ?? 20, async (item) => {
        const started = performance.now();
        let result: BatchItemResult;
        try {
          const r = await this.store(item.prepared);
          if (r.target && plan.bySubmit)
            await dispatchRoots(this.backend, r.rt, r.etag, this.now(), this.logger);
          else if (r.target) targets.push(r.target);
          result = {
            source: item.source,
            workflow_id: r.result.workflowId,
            task_count: r.result.taskCount,
            elapsed_s: 0,
            error: null,
            ...(r.result.alreadySubmitted ? { already_submitted: true } : {}),
          };
        } catch (err) {
          result = {
            source: item.source,
            workflow_id: '',
            task_count: 0,
            elapsed_s: 0,
            error: errorText(err),
          };
        }
        result.elapsed_s = Math.round(performance.now() - started) / 1000;
        return result;
      });
      await this.activate(targets).catch((err: unknown) =>
        this.logger.warn(
          { err, workflows: targets.length },
          'could not send the activate message; the coordinator admits these workflows on its activation sweep',
        ),
      );
      written.forEach((r, k) => opts.onResult?.(r, start + k));
      results.push(...written);
    }
    return results;
  }

  /** Write definition + state + index row of a prepared submission (no activation yet). */
  private async store(
    p: PreparedSubmission,
  ): Promise<{ result: SubmitResult; target: ActivateTarget | null; rt: Runtime; etag: string }> {
    const rt = WorkflowRuntime.fromDefinition(p.def, {
      workflowId: p.workflowId,
      now: this.now(),
      extension: {
        ...(p.idempotencyKey !== null ? { definition_sha256: p.fingerprint } : {}),
        ...(p.noCache ? { no_cache: true } : {}),
      },
    });
    let etag: string;
    try {
      etag = await this.backend.state.createWorkflow(rt.toDefinitionDoc(), rt.toStateDoc());
    } catch (err) {
      if (p.idempotencyKey === null || !isJobqError(err, 'WorkflowExistsError')) throw err;
      return { result: await this.alreadySubmitted(p, rt), target: null, rt, etag: '' };
    }
    await this.backend.index.upsert(p.workflowId, indexColumnsOf(rt));
    const log = this.logger.child({ workflowId: p.workflowId });
    log.info({ tasks: rt.taskCount, roots: p.roots.length }, `Workflow ${p.workflowId} submitted`);
    return {
      result: {
        workflowId: p.workflowId,
        name: rt.name,
        taskCount: rt.taskCount,
        roots: p.roots,
        autoFanIn: p.autoFanIn,
        rootsDispatchedBySubmit: false,
      },
      target: { workflowId: p.workflowId, createdAt: rt.createdAt },
      rt,
      etag,
    };
  }

  /**
   * The idempotency key's workflow exists: the same definition means "already submitted" (nothing is
   * written), a different one is refused (exit 2).
   */
  private async alreadySubmitted(p: PreparedSubmission, rt: Runtime): Promise<SubmitResult> {
    const stored = await this.backend.state.load(p.workflowId);
    const existing = stored?.def[EXTENSION_DOC_KEY]?.definition_sha256;
    if (existing !== p.fingerprint) {
      throw new IdempotencyConflictError(
        `idempotency key ${JSON.stringify(p.idempotencyKey)} was already used for workflow ${p.workflowId} ` +
          `with a different definition; use a new key, or purge ${p.workflowId} first`,
      );
    }
    this.logger.info({ workflowId: p.workflowId }, `Workflow ${p.workflowId} already submitted`);
    return {
      workflowId: p.workflowId,
      name: rt.name,
      taskCount: rt.taskCount,
      roots: p.roots,
      autoFanIn: p.autoFanIn,
      alreadySubmitted: true,
      rootsDispatchedBySubmit: false,
    };
  }

  /** One `activate` control message for up to MAX_ACTIVATE_BATCH workflows (DECISIONS §4.2). */
  private async activate(targets: ActivateTarget[]): Promise<void> {
    if (targets.length === 0) return;
    const [first, ...more] = targets;
    await this.backend.completions.send(encodeControlMessage({ type: 'activate', ...first, more }));
  }

  /** Load the runtime of a workflow, or null when neither blob exists. */
  async loadRuntime(workflowId: string): Promise<{ rt: Runtime; etag: string } | null> {
    const stored = await this.backend.state.load(workflowId);
    if (!stored) return null;
    const rt = WorkflowRuntime.fromDocs(stored.def, stored.state);
    return { rt, etag: stored.etag };
  }

  private async requireRuntime(workflowId: string): Promise<{ rt: Runtime; etag: string }> {
    const loaded = await this.loadRuntime(workflowId);
    if (!loaded)
      throw new WorkflowNotFoundError(`workflow not found: ${workflowId} in ${this.backend.target}`);
    return loaded;
  }

  /** Blob-backed status (accurate); the index row's cancel flag is OR-ed in. */
  async status(workflowId: string, opts: { includeTasks?: boolean } = {}): Promise<WorkflowStatus> {
    const [{ rt }, cancelFlag] = await Promise.all([
      this.requireRuntime(workflowId),
      this.backend.index.getCancelRequested(workflowId).catch(() => false),
    ]);
    const st = statusOf(rt, opts.includeTasks ?? true, cancelFlag);
    const waits = await this.lockWaits(rt);
    if (Object.keys(waits).length > 0) {
      st.lock_waits = waits;
      for (const t of st.tasks ?? []) if (waits[t.name]) t.waiting_for = waits[t.name];
    }
    return st;
  }

  /** What each task parked behind a mutex/semaphore waits for, with its holders (empty when none waits). */
  lockWaits(rt: Runtime): Promise<Record<string, string>> {
    return lockWaitsOf(rt, this.backend.locks, this.semaphores);
  }

  /** Index rows, optionally of some states (index-backed: counters may lag while running). */
  async list(opts: { status?: WorkflowState[] } = {}): Promise<IndexRow[]> {
    const rows = await this.backend.index.list(opts.status ? { states: opts.status } : undefined);
    return rows.sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.workflowId.localeCompare(b.workflowId),
    );
  }

  /** The newest `limit` terminal workflows by `updated_at` (or of one given state). */
  async listRecentTerminal(opts: { limit?: number; status?: WorkflowState } = {}): Promise<IndexRow[]> {
    const rows = await this.backend.index.list();
    const keep = rows.filter((r) =>
      opts.status ? r.workflowState === opts.status : isTerminalWorkflowState(r.workflowState),
    );
    keep.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    return keep.slice(0, opts.limit ?? 50);
  }

  /** Tasks of one workflow filtered by state, queue and name prefix. Missing workflow → WorkflowNotFoundError. */
  async listTasks(workflowId: string, filter: TaskFilter = {}): Promise<TaskStatusRecord[]> {
    const { rt } = await this.requireRuntime(workflowId);
    const waits = await this.lockWaits(rt);
    return rt
      .taskStatuses()
      .filter(
        (t) =>
          (!filter.status || t.status === filter.status) &&
          (!filter.queue || t.queue === filter.queue) &&
          (!filter.prefix || t.name.startsWith(filter.prefix)),
      )
      .map((t) => (waits[t.name] ? { ...t, waiting_for: waits[t.name] } : t));
  }

  /** Aggregate counters over the index (reference §4.3 `summary`). */
  async summary(): Promise<SummaryReport> {
    const rows = await this.backend.index.list();
    const report: SummaryReport = {
      workflows: {},
      total_workflows: rows.length,
      total_tasks: 0,
      completed_tasks: 0,
      running_tasks: 0,
      failed_tasks: 0,
      pending_tasks: 0,
      skipped_tasks: 0,
    };
    for (const r of rows) {
      report.workflows[r.workflowState] = (report.workflows[r.workflowState] ?? 0) + 1;
      report.total_tasks += r.totalTasks;
      report.completed_tasks += r.completedTasks;
      report.running_tasks += r.runningTasks;
      report.failed_tasks += r.failedTasks;
      report.pending_tasks += r.pendingTasks;
      report.skipped_tasks += r.skippedTasks;
    }
    return report;
  }

  /**
   * Request cancellation: set the index flag (workers poll it) and send a `cancel` control message so
   * the coordinator applies it at once. Idempotent; returns whether the flag was newly set.
   */
  async cancel(workflowId: string): Promise<boolean> {
    const newly = await this.backend.index.requestCancel(workflowId);
    await this.backend.completions.send(encodeControlMessage({ type: 'cancel', workflowId }));
    return newly;
  }

  /**
   * Workflow retry (reference §2.11 + DECISIONS): reset failed/cancelled tasks under ETag CAS, clear the
   * cancel flag, then send `retry` so the coordinator dispatches what became ready.
   */
  async retry(workflowId: string, opts: { noCache?: boolean } = {}): Promise<RetryCounters> {
    if (!(await this.backend.index.get(workflowId))) {
      throw new WorkflowNotFoundError(`workflow not found: ${workflowId} in ${this.backend.target}`);
    }
    let flagCleared = false;
    for (let attempt = 1; ; attempt++) {
      const { rt, etag } = await this.requireRuntime(workflowId);
      // `retry --no-cache` (jobq extension): the re-run tasks ignore cache hits; a plain retry uses them again.
      rt.setNoCache(opts.noCache === true);
      const r = rt.resetFailed(this.now());
      const counters = { reset: r.reset, now_ready: r.nowReady, still_pending: r.stillPending };
      if (!r.changed) return counters;
      // Clear the flag before the state write so a loader cannot OR a stale cancel into the reset state.
      if (!flagCleared) await this.backend.index.clearCancelRequested(workflowId);
      flagCleared = true;
      try {
        await this.backend.state.saveState(parkDispatchedTasks(rt.toStateDoc(), r.dispatch), etag);
      } catch (err) {
        if (isJobqError(err, 'StateConflictError') && attempt < MAX_CAS_ATTEMPTS) continue;
        throw err;
      }
      const cols = indexColumnsOf(rt);
      // Parked tasks count as pending, not running (reference §2.12).
      cols.runningTasks -= r.dispatch.length;
      cols.pendingTasks += r.dispatch.length;
      await this.backend.index.update(workflowId, cols);
      await this.backend.completions.send(encodeControlMessage({ type: 'retry', workflowId }));
      return counters;
    }
  }

  /** Break the coordinator lease immediately (a crashed coordinator's lease, or a stuck one). */
  async breakLease(): Promise<void> {
    await this.backend.lease.break();
  }
}

/** One-line message of an error (never a stack). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
