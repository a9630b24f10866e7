/** Per-task status records (reference §2.12) and merge-node-aware ancestry (DECISIONS §4.12). */
import type { TaskStatusRecord } from './api.js';
import { STATE_NAMES, decodePolicy } from './codes.js';
import type { TaskTable } from './layout.js';
import type { TaskMachine } from './machine.js';
import { isoSeconds } from './time.js';

/**
 * Retries left if the current (or, before the first dispatch, the first) attempt fails: a task runs at
 * most `num_retries + 1` times (DECISIONS §4.1), so this is `num_retries + 1 - max(1, attempt_no)`,
 * never negative. It equals `num_retries` before and during the first attempt and 0 on the last one.
 */
export function retriesRemaining(numRetries: number, attemptNo: number): number {
  return Math.max(0, numRetries + 1 - Math.max(1, attemptNo));
}

/** The status record of task `i`. */
export function buildStatus(t: TaskTable, m: TaskMachine, i: number): TaskStatusRecord {
  const started = m.startedAt[i] > 0 ? isoSeconds(m.startedAt[i]) : null;
  const completed = m.completedAt[i] > 0 ? isoSeconds(m.completedAt[i]) : null;
  const rec: TaskStatusRecord = {
    name: t.name(i),
    status: STATE_NAMES[m.state[i]],
    depends_on: t.parentsOf(i).map((p) => t.name(p)),
    depended_by: t.childrenOf(i).map((c) => t.name(c)),
    dep_policy: String(decodePolicy(t.policy[i])),
    completed_deps: m.doneParents[i],
    failed_deps: m.failedParents[i],
    queue: t.queue(i),
    output_ref: m.outputRefs.get(i) ?? null,
    error: m.errors.get(i) ?? null,
    started_at: started,
    completed_at: completed,
    retries_remaining: retriesRemaining(t.numRetries[i], m.attempt[i]),
    task_timeout_s: t.timeoutS[i] >= 0 ? t.timeoutS[i] : null,
    updated_at: completed ?? started,
    attempt_no: m.attempt[i],
    num_retries: t.numRetries[i],
    condition: t.conditions.get(i) ?? null,
    is_merge: t.mergeNodes.has(i),
  };
  const cachedFrom = m.cachedFrom.get(i);
  if (cachedFrom !== undefined) rec.cached_from = cachedFrom;
  return rec;
}

/** Sorted real (non-merge) ancestors of task `i`, walking through merge-node parents. */
export function realUpstream(t: TaskTable, i: number): string[] {
  const out = new Set<string>();
  const seen = new Set<number>();
  const stack = t.parentsOf(i);
  while (stack.length > 0) {
    const p = stack.pop() as number;
    if (seen.has(p)) continue;
    seen.add(p);
    if (t.mergeNodes.has(p)) stack.push(...t.parentsOf(p));
    else out.add(t.name(p));
  }
  return [...out].sort();
}
