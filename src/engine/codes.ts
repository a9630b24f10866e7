/**
 * Numeric encodings used by the compact runtime: task states as bytes, dependency policies as int32,
 * and the dependency class of each state (satisfied / failed / neither) that drives child counters.
 */
import type { DepPolicy } from '../model/types.js';
import { TASK_STATES, type TaskState } from './states.js';

export const PENDING = 0;
export const READY = 1;
export const READY_PENDING_BUDGET = 2;
export const RUNNING = 3;
export const COMPLETED = 4;
export const FAILED = 5;
export const SKIPPED = 6;
export const UPSTREAM_FAILED = 7;
export const CANCELLED = 8;

/** Index = state code (the order of TASK_STATES, which the constants above follow). */
export const STATE_NAMES: readonly TaskState[] = TASK_STATES;
const CODE_BY_NAME = new Map<string, number>(STATE_NAMES.map((s, i) => [s, i]));

/** State code of a state name, or -1 when the name is not a task state. */
export function stateCode(name: string): number {
  return CODE_BY_NAME.get(name) ?? -1;
}

/** Dependency class: how a parent in this state counts for its children (reference §2.1). */
export const CLASS_NONE = 0;
export const CLASS_SATISFIED = 1;
export const CLASS_FAILED = 2;
export const DEP_CLASS = Uint8Array.from([0, 0, 0, 0, 1, 2, 1, 2, 2]);
export const IS_TERMINAL = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1]);

export const POLICY_ALL = -1;
export const POLICY_ANY = -2;
export const POLICY_ALL_SETTLED = -3;

/** Encode a dependency policy as int32: negative codes for the named policies, N >= 1 for "N parents". */
export function encodePolicy(p: DepPolicy): number {
  if (p === 'all') return POLICY_ALL;
  if (p === 'any') return POLICY_ANY;
  if (p === 'all_settled') return POLICY_ALL_SETTLED;
  return p;
}

/** Inverse of `encodePolicy`. */
export function decodePolicy(code: number): DepPolicy {
  if (code === POLICY_ALL) return 'all';
  if (code === POLICY_ANY) return 'any';
  if (code === POLICY_ALL_SETTLED) return 'all_settled';
  return code;
}

export const VERDICT_WAITING = 0;
export const VERDICT_SATISFIED = 1;
export const VERDICT_UNSATISFIABLE = 2;

/**
 * The dependency-policy table of reference §2.5. `done` counts parents in {completed, skipped},
 * `failed` parents in {failed, upstream_failed, cancelled}. Unsatisfiability is checked first.
 */
export function policyVerdict(policy: number, parents: number, done: number, failed: number): number {
  if (parents === 0) return VERDICT_SATISFIED;
  switch (policy) {
    case POLICY_ALL:
      if (failed > 0) return VERDICT_UNSATISFIABLE;
      return done === parents ? VERDICT_SATISFIED : VERDICT_WAITING;
    case POLICY_ANY:
      if (failed === parents) return VERDICT_UNSATISFIABLE;
      return done >= 1 ? VERDICT_SATISFIED : VERDICT_WAITING;
    case POLICY_ALL_SETTLED:
      if (done + failed < parents) return VERDICT_WAITING;
      return done === 0 ? VERDICT_UNSATISFIABLE : VERDICT_SATISFIED;
    default:
      if (parents - failed < policy) return VERDICT_UNSATISFIABLE;
      return done >= policy ? VERDICT_SATISFIED : VERDICT_WAITING;
  }
}
