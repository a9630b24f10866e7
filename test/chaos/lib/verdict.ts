/** Compares a chaos run with its fault-free replay and counts duplicate executions from side effects. */
import type { StorageSnapshot, WorkflowSnapshot } from './inspect.js';

export interface Comparison {
  /** Workflows whose final state (workflow or any task) differs from the fault-free run. */
  mismatches: string[];
  /** Undecodable blobs, incomplete workflows, non-terminal workflows, lost completions. */
  problems: string[];
  /** Tasks whose difference is the cancel race the spec allows (cancelRaceAllows), reported. */
  cancel_race_accepted: string[];
  duplicate_executions: { total: number; tasks_affected: number; max_per_task: number };
  executions: { chaos: number; fault_free: number };
}

/** `"<workflow name> <task>"` line → count. */
export function countEffects(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line) counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}

function stateProblems(tag: string, snap: StorageSnapshot, names: Set<string>): string[] {
  const out = [
    ...snap.undecodable.map((u) => `${tag}: undecodable blob ${u}`),
    ...snap.incomplete.map((i) => `${tag}: incomplete ${i}`),
  ];
  const seen = new Set(snap.workflows.map((w) => w.name));
  for (const n of names) if (!seen.has(n)) out.push(`${tag}: workflow ${n} missing from storage`);
  for (const w of snap.workflows) {
    if (!['completed', 'failed', 'cancelled'].includes(w.workflowState))
      out.push(`${tag}: ${w.name} not terminal (${w.workflowState})`);
    if (w.indexState !== w.workflowState)
      out.push(`${tag}: ${w.name} index says ${w.indexState}, blob says ${w.workflowState}`);
    const active = Object.entries(w.tasks).filter(([, s]) =>
      ['running', 'ready', 'ready_pending_budget'].includes(s),
    );
    if (active.length && w.workflowState !== 'cancelled')
      out.push(`${tag}: ${w.name} lost completions: ${active.map(([t, s]) => `${t}=${s}`).join(', ')}`);
  }
  return out;
}

/** States a child counts as a failed parent (reference §2.1 DEP_FAILED). */
const DEP_FAILED = new Set(['failed', 'upstream_failed', 'cancelled']);

/**
 * The one race the spec leaves open (docs/failure-modes.md, "The cancel race"): a cancel that interrupts
 * a running task `P` races `P`'s failure to the coordinator. If the cancel is applied first, `P`'s
 * pending descendants become `cancelled` (reference §2.10); if `P`'s failure is applied first, they
 * become `upstream_failed` (§2.1 propagation) and the cancel finds nothing left to cancel. Both runs may
 * take either side, so for a task `T` the pair {cancelled, upstream_failed} is accepted exactly when
 *
 * * the workflow ended `cancelled` in both runs (a cancel was requested and applied), and
 * * in the run where `T` is `upstream_failed`, one of `T`'s parents is in a failed state (`failed`, or
 *   itself `upstream_failed`/`cancelled`) that either ended the same in both runs or differs only
 *   by this same race, i.e. `T` sits downstream of the interrupted task's failure.
 *
 * Every other difference, including the interrupted task's own state and the workflow's, stays a
 * mismatch; a parent that differs is judged by the same rule on its own.
 */
export function cancelRaceAllows(
  task: string,
  chaos: WorkflowSnapshot,
  clean: WorkflowSnapshot,
  parents: (task: string) => readonly string[],
): boolean {
  if (chaos.workflowState !== 'cancelled' || clean.workflowState !== 'cancelled') return false;
  const a = chaos.tasks[task];
  const b = clean.tasks[task];
  const failedRun =
    a === 'upstream_failed' && b === 'cancelled'
      ? chaos
      : b === 'upstream_failed' && a === 'cancelled'
        ? clean
        : null;
  if (!failedRun) return false;
  // The failed parent must be the same in both runs, or differ only by this same race (recursively:
  // a chain below the interrupted task flips as a whole). Parents precede children: no cycle.
  return parents(task).some(
    (p) =>
      DEP_FAILED.has(failedRun.tasks[p] ?? '') &&
      (chaos.tasks[p] === clean.tasks[p] || cancelRaceAllows(p, chaos, clean, parents)),
  );
}

/** Task name → parent names of each workflow, from the submitted definitions. */
export function parentsOf(
  workflows: readonly { name: string; tasks: readonly { name: string; depends_on?: string[] }[] }[],
): Map<string, Map<string, readonly string[]>> {
  return new Map(
    workflows.map((wf) => [wf.name, new Map(wf.tasks.map((t) => [t.name, t.depends_on ?? []]))]),
  );
}

/** Compares final states workflow by workflow (mismatches), checks both runs for problems, counts effects. */
export function compareRuns(input: {
  names: string[];
  chaos: StorageSnapshot;
  clean: StorageSnapshot;
  chaosEffects: Map<string, number>;
  cleanEffects: Map<string, number>;
  /** Task name → its parents, per workflow name (for the cancel race); absent: no race accepted. */
  parents?: Map<string, Map<string, readonly string[]>>;
}): Comparison {
  const names = new Set(input.names);
  const problems = [
    ...stateProblems('chaos', input.chaos, names),
    ...stateProblems('fault-free', input.clean, names),
  ];
  const clean = new Map(input.clean.workflows.map((w) => [w.name, w]));
  const mismatches: string[] = [];
  const raced: string[] = [];
  for (const w of input.chaos.workflows) {
    const expected = clean.get(w.name);
    if (!expected) continue;
    const parents = input.parents?.get(w.name);
    const diffs = Object.keys({ ...expected.tasks, ...w.tasks })
      .filter((t) => expected.tasks[t] !== w.tasks[t])
      .filter((t) => {
        if (!parents || !cancelRaceAllows(t, w, expected, (x) => parents.get(x) ?? [])) return true;
        raced.push(`${w.name}/${t}: ${w.tasks[t]} (fault-free ${expected.tasks[t]})`);
        return false;
      })
      .map((t) => `${t}: ${w.tasks[t]} (expected ${expected.tasks[t]})`);
    if (w.workflowState !== expected.workflowState)
      diffs.unshift(`workflow: ${w.workflowState} (expected ${expected.workflowState})`);
    if (diffs.length) mismatches.push(`${w.name}: ${diffs.join('; ')}`);
    // A task the coordinator recorded as completed must have run at least once (no invented completions).
    for (const [t, s] of Object.entries(w.tasks)) {
      if (
        s === 'completed' &&
        expected.tasks[t] === 'completed' &&
        (input.cleanEffects.get(`${w.name} ${t}`) ?? 0) > 0 &&
        !input.chaosEffects.get(`${w.name} ${t}`)
      ) {
        problems.push(`chaos: ${w.name}/${t} completed without ever running`);
      }
    }
  }
  let total = 0;
  let affected = 0;
  let max = 0;
  for (const [key, n] of input.chaosEffects) {
    const extra = n - (input.cleanEffects.get(key) ?? 0);
    if (extra > 0) {
      total += extra;
      affected++;
      max = Math.max(max, extra);
    }
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return {
    mismatches,
    cancel_race_accepted: raced,
    problems,
    duplicate_executions: { total, tasks_affected: affected, max_per_task: max },
    executions: { chaos: sum(input.chaosEffects), fault_free: sum(input.cleanEffects) },
  };
}
