/** Applying work items to a runtime: engine calls, condition outputs fetched on demand, stats. */
import type { Runtime, StepResult, TaskDispatch } from '../engine/api.js';
import type { CoordinatorStats } from './stats.js';
import type { WorkItem } from './slot.js';
import type { BatchOutputs } from './outputs.js';

/** The part of a step the coordinator acts on. */
export interface AppliedStep {
  changed: boolean;
  dispatch: TaskDispatch[];
}

/** A result that is usually ready at once; a promise only when blob outputs must be fetched. */
export type MaybeAsync<T> = T | Promise<T>;

/**
 * Finish a step: while the engine reports blob outputs it needs for pending conditions, fetch them
 * (cached per batch) and continue evaluation. Returns everything to push and whether state changed.
 * Synchronous when nothing must be fetched (nearly always): no promise per applied message.
 */
export function settleStep(
  rt: Runtime,
  first: StepResult,
  outputs: BatchOutputs,
  stats: CoordinatorStats,
  now: () => number,
): MaybeAsync<AppliedStep> {
  stats.condition_errors += first.conditionErrors;
  if (first.needOutputs.length === 0) return { changed: first.changed, dispatch: first.dispatch };
  return fetchAndSettle(rt, first, outputs, stats, now);
}

async function fetchAndSettle(
  rt: Runtime,
  first: StepResult,
  outputs: BatchOutputs,
  stats: CoordinatorStats,
  now: () => number,
): Promise<AppliedStep> {
  let step = first;
  let changed = step.changed;
  const dispatch = [...step.dispatch];
  // Every ref this step asked for stays resolvable until the step is done, and each round asks only
  // for refs it does not hold yet: the loop ends after at most one round per distinct ref.
  const held = outputs.step();
  while (step.needOutputs.some((ref) => !held.has(ref))) {
    const before = outputs.fetched;
    await held.fetchAll(step.needOutputs);
    stats.outputs_fetched += outputs.fetched - before;
    step = rt.evaluatePendingConditions(now(), held.resolve);
    changed ||= step.changed;
    dispatch.push(...step.dispatch);
    stats.condition_errors += step.conditionErrors;
  }
  return { changed, dispatch };
}

const NOTHING: AppliedStep = { changed: false, dispatch: [] };

/** Apply one work item to `rt` (reference §5.5 for completions; DECISIONS §4.2 for control items). */
export function applyItem(
  rt: Runtime,
  item: WorkItem,
  outputs: BatchOutputs,
  stats: CoordinatorStats,
  now: () => number,
): MaybeAsync<AppliedStep> {
  switch (item.kind) {
    case 'completion': {
      const step = rt.applyCompletion(item.completion, now(), outputs.resolve);
      if (step.ignored === 'duplicate' || step.ignored === 'unknown_task') stats.duplicate_completions++;
      else if (step.ignored === 'stale') stats.stale_completions++;
      return settleStep(rt, step, outputs, stats, now);
    }
    case 'activate':
      stats.activations++;
      return settleStep(rt, rt.activate(now(), outputs.resolve), outputs, stats, now);
    case 'cancel':
      return settleStep(rt, rt.requestCancel(now()), outputs, stats, now);
    case 'retry':
      // The client already reset the durable state; dispatch what it made ready (only if admitted).
      return rt.activated && !rt.isTerminal()
        ? settleStep(rt, rt.activate(now(), outputs.resolve), outputs, stats, now)
        : NOTHING;
    case 'noop':
      return NOTHING;
  }
}
