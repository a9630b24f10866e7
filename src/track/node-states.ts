/** The state of each drawn node: a task's state, or the per-state counts of a group or merge node. */
import type { Runtime } from '../engine/api.js';
import { TASK_STATES, type TaskState } from '../engine/states.js';
import type { ViewGraph } from './view-graph.js';

/** A task node's state, or counts by state (only non-zero keys) for groups and merge nodes. */
export type NodeState = TaskState | Partial<Record<TaskState, number>>;

/** States of every node of `view`, in node order, from the runtime's current task states. */
export function nodeStates(view: ViewGraph, rt: Runtime): NodeState[] {
  const names = rt.taskNames();
  const out: NodeState[] = view.nodes.map((n) => (n.kind === 'task' ? 'pending' : {}));
  for (let t = 0; t < names.length; t++) {
    const i = view.nodeOfTask[t];
    const s = rt.taskState(names[t]);
    if (view.nodes[i].kind === 'task') out[i] = s;
    else {
      const counts = out[i] as Partial<Record<TaskState, number>>;
      counts[s] = (counts[s] ?? 0) + 1;
    }
  }
  return out;
}

/** Every task state, for the page's legend. */
export const LEGEND_STATES: readonly TaskState[] = TASK_STATES;
