/**
 * The coordinator's sweeps (reference §5.7–5.9 plus jobq's activation and orphan sweeps). Every write
 * goes through the workflow table (the same per-workflow mutex and flush pipeline as the main loop),
 * so a sweep never races the main loop's runtime; a CAS conflict with an outside writer reloads and the
 * sweep's own change is simply redone on its next visit ("main loop wins").
 */
import type { Logger } from '../log.js';
import type { CoordinatorSettings } from '../config/types.js';
import type { IndexRow, IndexStore } from '../ports/index-store.js';
import type { StateStore } from '../ports/state-store.js';
import type { Runtime, StepResult } from '../engine/api.js';
import type { CoordinatorStats } from './stats.js';
import type { WorkflowTable } from './workflow-table.js';
import type { Admission } from './admission.js';
import { isTerminalWorkflowState } from '../engine/states.js';
import { partitionKeyOf, shardOf } from '../ports/index-store.js';
import { SkipCache, type ShardSweep } from './sweeper.js';

export interface SweepDeps {
  index: IndexStore;
  state: StateStore;
  table: WorkflowTable;
  admission: Admission;
  settings: CoordinatorSettings;
  stats: CoordinatorStats;
  logger: Logger;
  now(): number;
}

/** Combine several engine steps into one (timeouts of several tasks in one visit). */
export function mergeSteps(steps: StepResult[]): StepResult {
  return {
    dispatch: steps.flatMap((s) => s.dispatch),
    needOutputs: steps.flatMap((s) => s.needOutputs),
    changed: steps.some((s) => s.changed),
    ignored: null,
    retried: steps.some((s) => s.retried),
    conditionErrors: steps.reduce((n, s) => n + s.conditionErrors, 0),
    cascaded: steps.flatMap((s) => s.cascaded),
  };
}

/** Skip-cache key: the durable ETag the coordinator last saw plus the row's updated_at (outside writers). */
function versionKey(d: SweepDeps, row: IndexRow): string {
  return `${d.table.knownEtags.get(row.workflowId) ?? '?'}|${row.updatedAt}`;
}

/**
 * Visit the rows of one shard that the skip cache does not vouch for. `visit` returns when the
 * workflow must be looked at again even if unchanged (Infinity: only after a change).
 */
async function visitRows(
  d: SweepDeps,
  cache: SkipCache,
  rows: IndexRow[],
  visit: (row: IndexRow) => Promise<number>,
): Promise<void> {
  const now = d.now();
  for (const row of rows) {
    if (cache.fresh(row.workflowId, versionKey(d, row), now)) {
      d.stats.sweep_skips++;
      continue;
    }
    const dueAt = await visit(row);
    cache.remember(row.workflowId, versionKey(d, row), dueAt);
  }
}

/**
 * Cancel-poll pace while the coordinator knows of no workflow to cancel (none admitted, none waiting,
 * none in memory): a cancel arrives as a control message anyway, and a workflow this coordinator has not
 * seen yet is found by the activation sweep first. This keeps an idle coordinator's cost low.
 */
export const IDLE_CANCEL_POLL_INTERVAL_S = 16;

/** §5.7: cancel-requested, non-terminal workflows: pending/ready → cancelled; `cancelling` → `cancelled` when idle. */
export function cancelPoll(d: SweepDeps): ShardSweep {
  const cache = new SkipCache();
  return {
    name: 'cancel-poll',
    intervalS: d.settings.cancelPollIntervalS,
    idle: {
      intervalS: Math.max(d.settings.cancelPollIntervalS, IDLE_CANCEL_POLL_INTERVAL_S),
      when: () => d.admission.idle() && d.table.size === 0,
    },
    async tick(shard) {
      d.stats.cancel_polls++;
      const rows = (await d.index.listShard(shard, { cancelRequested: true })).filter(
        (r) => !isTerminalWorkflowState(r.workflowState),
      );
      await visitRows(d, cache, rows, async (row) => {
        const r = await d.table.mutate(row.workflowId, (rt, now) =>
          rt.isTerminal() ? null : rt.requestCancel(now),
        );
        if (r?.step.changed) {
          d.stats.workflows_cancelled++;
          d.logger.info({ workflowId: row.workflowId, state: r.runtime.state }, 'cancel applied');
        }
        return Infinity;
      });
    },
  };
}

/** §5.8 with idleness taken from the durable state's updated_at, not the (refreshed) index row. */
export function readyRepair(d: SweepDeps): ShardSweep {
  const cache = new SkipCache();
  const thresholdMs = d.settings.readyRepairThresholdS * 1000;
  return {
    name: 'ready-repair',
    intervalS: d.settings.readySweepIntervalS,
    async tick(shard) {
      d.stats.ready_sweeps++;
      const rows = (await d.index.listShard(shard, { states: ['pending', 'running'] })).filter(
        (r) => !r.cancelRequested,
      );
      await visitRows(d, cache, rows, async (row) => {
        let dueAt = Infinity;
        const r = await d.table.mutate(row.workflowId, (rt, now) => {
          if (rt.isTerminal() || rt.cancelRequested || !rt.activated || rt.readyTasks().length === 0)
            return null;
          const idleSince = Date.parse(rt.updatedAt);
          if (now - idleSince < thresholdMs) {
            dueAt = idleSince + thresholdMs;
            return null;
          }
          return rt.redispatchReady(now);
        });
        const n = r?.step.dispatch.length ?? 0;
        if (n > 0) {
          d.stats.ready_tasks_repushed += n;
          d.logger.warn(
            { workflowId: row.workflowId },
            `ready-repair re-dispatching ${n} task(s) in ${row.workflowId}: ${r!.step.dispatch.map((t) => t.task).join(', ')}`,
          );
        }
        return dueAt;
      });
    },
  };
}

/** Earliest time a running task of `rt` can time out (Infinity when none has a limit). */
function nextTimeoutAt(rt: Runtime, defaultS: number | null): number {
  let next = Infinity;
  for (const t of rt.taskStatuses()) {
    if (t.status !== 'running' || !t.started_at) continue;
    const limit = t.task_timeout_s ?? defaultS;
    if (limit !== null) next = Math.min(next, Date.parse(t.started_at) + limit * 1000);
  }
  return next;
}

/** §5.9, except that re-armed tasks are dispatched at once (the engine does it in applyTimeout). */
export function runningTimeout(d: SweepDeps): ShardSweep {
  const cache = new SkipCache();
  const defaultS = d.settings.runningTimeoutS;
  return {
    name: 'running-timeout',
    intervalS: d.settings.runningSweepIntervalS,
    async tick(shard) {
      d.stats.running_sweeps++;
      const rows = await d.index.listShard(shard, { states: ['running', 'cancelling'] });
      await visitRows(d, cache, rows, async (row) => {
        let dueAt = Infinity;
        let timedOut: string[] = [];
        await d.table.mutate(row.workflowId, (rt, now) => {
          if (rt.isTerminal()) return null;
          const due = rt.timedOutTasks(now, defaultS);
          timedOut = due.map((t) => t.task);
          const steps = due.map((t) => rt.applyTimeout(t.task, now, `task timed out after ${t.timeoutS}s`));
          dueAt = nextTimeoutAt(rt, defaultS);
          return steps.length ? mergeSteps(steps) : null;
        });
        if (timedOut.length) {
          d.stats.tasks_timed_out += timedOut.length;
          d.logger.warn(
            { workflowId: row.workflowId },
            `running-timeout: ${timedOut.length} task(s) of ${row.workflowId} timed out: ${timedOut.join(', ')}`,
          );
        }
        return dueAt;
      });
    },
  };
}

/**
 * DECISIONS §4.2: admit `pending` workflows whose activation message was lost, or that were submitted
 * while a coordinator that is not jobq ran the prefix. Each tick is one query across all 16 shards
 * filtered on `workflow_state eq 'pending'` (usually an empty page), so a pending workflow waits at
 * most one interval whatever its shard, for the same one request per tick as a single-shard visit.
 */
export function activationSweep(d: SweepDeps): ShardSweep {
  return {
    name: 'activation',
    intervalS: d.settings.activationSweepIntervalS,
    wholeIndex: true,
    async tick() {
      d.stats.activation_sweeps++;
      const rows = await d.index.scan({ states: ['pending'] });
      // Rows come in shard order; offering oldest first keeps admission FIFO (an offer may admit at once).
      rows.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.workflowId.localeCompare(b.workflowId));
      for (const row of rows) if (!row.cancelRequested) d.admission.offer(row.workflowId, row.createdAt);
    },
  };
}

/**
 * Reports workflow blobs that have no index row (crash between blob and row writes, reference §8 #12).
 * Report only: removal is `jobq workflow purge --orphans`. Blob names are listed once per pass; a
 * workflow is reported only when it lacked a row on two consecutive visits (a submit in progress
 * writes its blobs a moment before its row).
 */
export function orphanSweep(d: SweepDeps): ShardSweep {
  let blobIds: string[] = [];
  let suspects = new Set<string>();
  let nextSuspects = new Set<string>();
  let found = 0;
  return {
    name: 'orphan',
    intervalS: d.settings.orphanSweepIntervalS,
    async tick(shard) {
      d.stats.orphan_sweeps++;
      if (shard === 0) {
        blobIds = await d.state.listWorkflowIds();
        [suspects, nextSuspects] = [nextSuspects, new Set()];
        found = 0;
      }
      const rows = new Set((await d.index.listShard(shard)).map((r) => r.workflowId));
      const missing = blobIds.filter((id) => shardOf(id) === shard && !rows.has(id));
      for (const id of missing) nextSuspects.add(id);
      const orphans = missing.filter((id) => suspects.has(id));
      if (orphans.length) {
        found += orphans.length;
        d.logger.warn(
          { shard: partitionKeyOf(orphans[0]), orphans: orphans.slice(0, 10) },
          `${orphans.length} workflow blob(s) without an index row; remove with 'jobq workflow purge --orphans'`,
        );
      }
      d.stats.orphan_blobs = Math.max(d.stats.orphan_blobs, found);
    },
  };
}
