/** Compares a chaos run with its fault-free replay and counts duplicate executions from side effects. */
import type { StorageSnapshot } from './inspect.js';

export interface Comparison {
  /** Workflows whose final state (workflow or any task) differs from the fault-free run. */
  mismatches: string[];
  /** Undecodable blobs, incomplete workflows, non-terminal workflows, lost completions. */
  problems: string[];
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

export function compareRuns(input: {
  names: string[];
  chaos: StorageSnapshot;
  clean: StorageSnapshot;
  chaosEffects: Map<string, number>;
  cleanEffects: Map<string, number>;
}): Comparison {
  const names = new Set(input.names);
  const problems = [
    ...stateProblems('chaos', input.chaos, names),
    ...stateProblems('fault-free', input.clean, names),
  ];
  const clean = new Map(input.clean.workflows.map((w) => [w.name, w]));
  const mismatches: string[] = [];
  for (const w of input.chaos.workflows) {
    const expected = clean.get(w.name);
    if (!expected) continue;
    const diffs = Object.keys({ ...expected.tasks, ...w.tasks })
      .filter((t) => expected.tasks[t] !== w.tasks[t])
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
    problems,
    duplicate_executions: { total, tasks_affected: affected, max_per_task: max },
    executions: { chaos: sum(input.chaosEffects), fault_free: sum(input.cleanEffects) },
  };
}
