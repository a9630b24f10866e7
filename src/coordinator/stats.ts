/** Coordinator counters (reference §5.11 plus jobq's additions) and the periodic stats line. */
import { groupDigits } from '../group-digits.js';

export type LeaseState = 'held' | 'renewing' | 'lost' | 'released' | 'not_acquired' | 'standby';

/** Every counter the coordinator keeps; `stats()` returns a copy. */
export interface CoordinatorStats {
  batches: number;
  completions_handled: number;
  workflows_advanced: number;
  workflows_cancelled: number;
  tasks_pushed: number;
  duplicate_completions: number;
  stale_completions: number;
  orphan_completions: number;
  poison_messages: number;
  flush_conflicts: number;
  flushes: number;
  condition_errors: number;
  condition_skipped_blob: number;
  outputs_fetched: number;
  ready_sweeps: number;
  ready_tasks_repushed: number;
  running_sweeps: number;
  tasks_timed_out: number;
  cancel_polls: number;
  activation_sweeps: number;
  orphan_sweeps: number;
  orphan_blobs: number;
  sweep_skips: number;
  admissions: number;
  activations: number;
  admission_waiting: number;
  running_workflows: number;
  control_messages: number;
  refs_dropped: number;
  receive_errors: number;
  flush_errors: number;
  push_errors: number;
  index_refreshes: number;
  /** Index rows found disagreeing with the durable state at load and rewritten (crash leftovers). */
  index_repairs: number;
  cached_workflows: number;
  /** Tasks of the cached workflows together (bounded by cacheMaxTasks). */
  cached_tasks: number;
  last_workflow_latency_s: number;
  /** jobq extensions: cacheable tasks completed from the task cache / looked up and run / recorded. */
  cache_hits: number;
  cache_misses: number;
  cache_writes: number;
  /** Locked tasks that had to wait / holds granted / holds released. */
  lock_waits: number;
  lock_grants: number;
  lock_releases: number;
  lease_state: LeaseState;
}

export type NumericStat = Exclude<keyof CoordinatorStats, 'lease_state'>;

export function emptyStats(): CoordinatorStats {
  return {
    batches: 0,
    cache_hits: 0,
    cache_misses: 0,
    cache_writes: 0,
    lock_waits: 0,
    lock_grants: 0,
    lock_releases: 0,
    completions_handled: 0,
    workflows_advanced: 0,
    workflows_cancelled: 0,
    tasks_pushed: 0,
    duplicate_completions: 0,
    stale_completions: 0,
    orphan_completions: 0,
    poison_messages: 0,
    flush_conflicts: 0,
    flushes: 0,
    condition_errors: 0,
    condition_skipped_blob: 0,
    outputs_fetched: 0,
    ready_sweeps: 0,
    ready_tasks_repushed: 0,
    running_sweeps: 0,
    tasks_timed_out: 0,
    cancel_polls: 0,
    activation_sweeps: 0,
    orphan_sweeps: 0,
    orphan_blobs: 0,
    sweep_skips: 0,
    admissions: 0,
    activations: 0,
    admission_waiting: 0,
    running_workflows: 0,
    control_messages: 0,
    refs_dropped: 0,
    receive_errors: 0,
    flush_errors: 0,
    push_errors: 0,
    index_refreshes: 0,
    index_repairs: 0,
    cached_workflows: 0,
    cached_tasks: 0,
    last_workflow_latency_s: 0,
    lease_state: 'not_acquired',
  };
}

/** Tracks the delta between two stats lines so the line can show a rate. */
export class StatsLine {
  private lastTotal = 0;
  private lastAt: number;

  constructor(now: number) {
    this.lastAt = now;
  }

  /**
   * `coordinator stats: completions=<total> (+<delta>, <rate>/s)  pushed=<n>  batches=<n>  cached=<n>
   * conflicts=<n>  dupes=<n>  latency=<s>s` (reference §5.11), and the same numbers as fields.
   */
  next(s: CoordinatorStats, now: number): { msg: string; fields: Record<string, number | string> } {
    const delta = s.completions_handled - this.lastTotal;
    const elapsed = Math.max((now - this.lastAt) / 1000, 1e-9);
    const rate = delta / elapsed;
    this.lastTotal = s.completions_handled;
    this.lastAt = now;
    const msg =
      `coordinator stats: completions=${s.completions_handled} (+${delta}, ${rate.toFixed(1)}/s)` +
      `  pushed=${s.tasks_pushed}  batches=${s.batches}  cached=${s.cached_workflows}` +
      `  conflicts=${s.flush_conflicts}  dupes=${s.duplicate_completions}  latency=${s.last_workflow_latency_s.toFixed(3)}s`;
    const fields = {
      completions: s.completions_handled,
      delta,
      rate: Number(rate.toFixed(1)),
      pushed: s.tasks_pushed,
      batches: s.batches,
      cached: s.cached_workflows,
      conflicts: s.flush_conflicts,
      dupes: s.duplicate_completions,
      latency: Number(s.last_workflow_latency_s.toFixed(3)),
      lease: s.lease_state,
    };
    return { msg, fields };
  }
}

/** The final line printed on stop (reference §5.12), with thousands separators. */
export function finalStatsLine(s: CoordinatorStats): string {
  const n = groupDigits;
  return `Coordinator stopped — ${n(s.completions_handled)} completions, ${n(s.tasks_pushed)} tasks pushed, ${n(s.batches)} batches`;
}
