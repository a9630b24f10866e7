/**
 * The graph the dashboard draws, built from a workflow's (immutable) task graph: merge nodes collapsed
 * into one node per fan-in target, and — above the node budget — tasks aggregated into groups by layer
 * name (`prep/…`, `sim-…`) and depth, which the user can expand one at a time. Pure: no I/O.
 */
import { layerOf } from '../cli/render/layers.js';
import { MERGE_PREFIX } from '../model/types.js';

/** Above this many drawn nodes, tasks are drawn as aggregate groups (issue 18: "say 1,500"). */
export const NODE_BUDGET = 1_500;
/** Tasks of one expanded group drawn individually (the rest stay a group): keeps a re-layout near a second. */
export const EXPAND_MAX = 500;

/** The shape of a workflow as the view needs it: names, parent indices, merge flags. */
export interface TaskGraph {
  names: string[];
  /** Parent indices of each task. */
  parents: number[][];
  isMerge: boolean[];
}

export type ViewNodeKind = 'task' | 'merge' | 'group';

/** One drawn node. */
export interface ViewNode {
  /** Stable id: `t:<task>`, `m:<fan-in target>` or `g:<group key>`. */
  id: string;
  kind: ViewNodeKind;
  label: string;
  /** Tasks drawn by this node (a task node: exactly one). */
  size: number;
  /** A group's key (for `expand` and the group's task list). */
  group?: string;
  /** Task nodes drawn because their group is expanded: that group's key. */
  expandedFrom?: string;
  /** Group nodes: the depth range they cover. */
  depth?: [number, number];
}

export interface ViewGraph {
  nodes: ViewNode[];
  /** [from, to] indices into `nodes`, deduplicated, parents first. */
  edges: [number, number][];
  /** For each task index, the index of the node that draws it. */
  nodeOfTask: Int32Array;
  /** True when some tasks are drawn as groups. */
  aggregated: boolean;
  /** How groups were formed: `none`, `layer+depth`, `depth` or `depth-band`. */
  grouping: 'none' | 'layer+depth' | 'depth' | 'depth-band';
  /** Group keys that are expanded into their tasks (after dropping unknown keys). */
  expanded: string[];
  /** For each group key, its task indices (only for aggregated views). */
  groupMembers: Map<string, number[]>;
}

export interface ViewGraphOptions {
  budget?: number;
  /** Group keys to draw as their tasks. */
  expand?: readonly string[];
  /** Units of an expanded group drawn one by one (default EXPAND_MAX). */
  expandMax?: number;
}

/** The fan-in target of a merge node `__merge_<target>_<i>`, or null for another name. */
export function mergeTarget(name: string): string | null {
  if (!name.startsWith(MERGE_PREFIX)) return null;
  const m = /^(.*)_\d+$/.exec(name.slice(MERGE_PREFIX.length));
  return m ? m[1] : null;
}

/** A unit is a task, or all merge nodes of one fan-in target (drawn as one node, as `status` counts them). */
interface Units {
  unitOfTask: Int32Array;
  /** Unit labels and kinds. */
  label: string[];
  kind: ('task' | 'merge')[];
  size: number[];
  edges: [number, number][];
  members: number[][];
}

function collapseMerges(g: TaskGraph): Units {
  const n = g.names.length;
  const unitOfTask = new Int32Array(n);
  const label: string[] = [];
  const kind: ('task' | 'merge')[] = [];
  const size: number[] = [];
  const members: number[][] = [];
  const mergeUnit = new Map<string, number>();
  const targetOf: (string | null)[] = new Array(n).fill(null);
  for (let i = 0; i < n; i++) {
    const target = g.isMerge[i] ? mergeTarget(g.names[i]) : null;
    targetOf[i] = target;
    if (target !== null) {
      let u = mergeUnit.get(target);
      if (u === undefined) {
        u = label.length;
        mergeUnit.set(target, u);
        label.push(`merge → ${target}`);
        kind.push('merge');
        size.push(0);
        members.push([]);
      }
      unitOfTask[i] = u;
      size[u]++;
      members[u].push(i);
    } else {
      unitOfTask[i] = label.length;
      label.push(g.names[i]);
      kind.push('task');
      size.push(1);
      members.push([i]);
    }
  }
  const seen = new Set<number>();
  const edges: [number, number][] = [];
  const units = label.length;
  for (let c = 0; c < n; c++) {
    const cu = unitOfTask[c];
    for (const p of g.parents[c]) {
      const pu = unitOfTask[p];
      if (pu === cu) continue;
      // A merge node's sequencing edges into the next batch's parents are plumbing, not dependencies.
      if (targetOf[p] !== null && kind[cu] === 'task' && g.names[c] !== targetOf[p]) continue;
      const key = pu * units + cu;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push([pu, cu]);
    }
  }
  return { unitOfTask, label, kind, size, edges, members };
}

/** Longest-path depth of every unit (roots 0), in topological order; cycles cannot occur in a valid definition. */
function depths(unitCount: number, edges: [number, number][]): Int32Array {
  const indeg = new Int32Array(unitCount);
  const out: number[][] = Array.from({ length: unitCount }, () => []);
  for (const [p, c] of edges) {
    indeg[c]++;
    out[p].push(c);
  }
  const depth = new Int32Array(unitCount);
  const queue: number[] = [];
  for (let u = 0; u < unitCount; u++) if (indeg[u] === 0) queue.push(u);
  for (let h = 0; h < queue.length; h++) {
    const u = queue[h];
    for (const c of out[u]) {
      if (depth[u] + 1 > depth[c]) depth[c] = depth[u] + 1;
      if (--indeg[c] === 0) queue.push(c);
    }
  }
  return depth;
}

/** Group key of every unit, in the first grouping mode that fits the budget. */
function groupKeys(
  u: Units,
  depth: Int32Array,
  budget: number,
): { keys: string[]; mode: ViewGraph['grouping'] } {
  const count = u.label.length;
  const byLayer = new Array<string>(count);
  const distinct = new Set<string>();
  for (let i = 0; i < count; i++) {
    const layer = u.kind[i] === 'merge' ? u.label[i] : layerOf(u.label[i]);
    byLayer[i] = `${layer} @${depth[i]}`;
    distinct.add(byLayer[i]);
  }
  if (distinct.size <= budget) return { keys: byLayer, mode: 'layer+depth' };
  let maxDepth = 0;
  for (let i = 0; i < count; i++) maxDepth = Math.max(maxDepth, depth[i]);
  if (maxDepth + 1 <= budget) {
    return { keys: Array.from(depth, (d) => `depth ${d}`), mode: 'depth' };
  }
  const band = Math.ceil((maxDepth + 1) / budget);
  return {
    keys: Array.from(depth, (d) => {
      const lo = Math.floor(d / band) * band;
      return `depths ${lo}–${lo + band - 1}`;
    }),
    mode: 'depth-band',
  };
}

/** What a group is called on the page: `train/…` for a prefix group, `sim-…` for numbered names. */
function groupLabel(key: string, firstMember: string): string {
  const at = key.lastIndexOf(' @');
  if (at < 0) return key; // depth groupings are named by their depth
  const layer = key.slice(0, at);
  if (firstMember.startsWith(`${layer}/`)) return `${layer}/…`;
  return layer === firstMember ? layer : `${layer}…`;
}

/**
 * Build the drawn graph. Up to `budget` units every task is its own node; above it, units are grouped
 * (see `groupKeys`) and each group in `expand` is drawn as its units — at most `expandMax` of them, the
 * rest staying in a `<key> (rest)` group.
 */
export function buildViewGraph(g: TaskGraph, opts: ViewGraphOptions = {}): ViewGraph {
  const budget = opts.budget ?? NODE_BUDGET;
  const expandMax = Math.min(budget, opts.expandMax ?? EXPAND_MAX);
  const u = collapseMerges(g);
  const unitCount = u.label.length;
  const nodes: ViewNode[] = [];
  const nodeOfUnit = new Int32Array(unitCount);
  const groupMembers = new Map<string, number[]>();
  let grouping: ViewGraph['grouping'] = 'none';
  const expanded: string[] = [];
  const unitNode = (i: number): ViewNode =>
    u.kind[i] === 'merge'
      ? { id: `m:${u.label[i].slice('merge → '.length)}`, kind: 'merge', label: u.label[i], size: u.size[i] }
      : { id: `t:${u.label[i]}`, kind: 'task', label: u.label[i], size: 1 };
  if (unitCount <= budget) {
    for (let i = 0; i < unitCount; i++) {
      nodeOfUnit[i] = nodes.length;
      nodes.push(unitNode(i));
    }
  } else {
    const depth = depths(unitCount, u.edges);
    const { keys, mode } = groupKeys(u, depth, budget);
    grouping = mode;
    const unitsOfKey = new Map<string, number[]>();
    for (let i = 0; i < unitCount; i++) {
      let list = unitsOfKey.get(keys[i]);
      if (!list) unitsOfKey.set(keys[i], (list = []));
      list.push(i);
    }
    const wanted = new Set(opts.expand ?? []);
    for (const [key, list] of unitsOfKey) {
      const tasks: number[] = [];
      for (const i of list) tasks.push(...u.members[i]);
      groupMembers.set(key, tasks);
      let rest = list;
      if (list.length === 1 || wanted.has(key)) {
        // A group of one is simply drawn as its task (or merge node).
        if (list.length > 1) expanded.push(key);
        for (const i of list.slice(0, expandMax)) {
          nodeOfUnit[i] = nodes.length;
          nodes.push(list.length > 1 ? { ...unitNode(i), expandedFrom: key } : unitNode(i));
        }
        rest = list.slice(expandMax);
      }
      if (rest.length === 0) continue;
      let lo = Infinity;
      let hi = -Infinity;
      let size = 0;
      for (const i of rest) {
        lo = Math.min(lo, depth[i]);
        hi = Math.max(hi, depth[i]);
        size += u.size[i];
      }
      const label = `${groupLabel(key, u.label[rest[0]])}${rest === list ? '' : ' (rest)'}`;
      for (const i of rest) nodeOfUnit[i] = nodes.length;
      nodes.push({ id: `g:${key}`, kind: 'group', label, size, group: key, depth: [lo, hi] });
    }
  }
  const edges: [number, number][] = [];
  const seen = new Set<number>();
  for (const [pu, cu] of u.edges) {
    const a = nodeOfUnit[pu];
    const b = nodeOfUnit[cu];
    if (a === b) continue;
    const key = a * nodes.length + b;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push([a, b]);
  }
  const nodeOfTask = new Int32Array(g.names.length);
  for (let t = 0; t < g.names.length; t++) nodeOfTask[t] = nodeOfUnit[u.unitOfTask[t]];
  return {
    nodes,
    edges,
    nodeOfTask,
    aggregated: grouping !== 'none',
    grouping,
    expanded,
    groupMembers,
  };
}
