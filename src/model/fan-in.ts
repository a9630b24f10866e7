/**
 * The fan-in transform (reference §1.8) and its automatic use when a task message would not fit a queue
 * message (DECISIONS §4.14).
 */
import { DefinitionError, UsageError } from '../errors.js';
import { pyRepr } from '../condition/errors.js';
import { messageSizeProblem } from './validate.js';
import { BATCH_MERGE_KWARG, MERGE_PREFIX, type TaskDefinition, type WorkflowDefinition } from './types.js';

/** Name of merge node `i` of target task `target`. */
export function mergeNodeName(target: string, i: number): string {
  return `${MERGE_PREFIX}${target}_${i}`;
}

function mergeNode(target: string, i: number, dependsOn: string[]): TaskDefinition {
  return {
    name: mergeNodeName(target, i),
    kwargs: { [BATCH_MERGE_KWARG]: true, __target: target, __batch: i },
    depends_on: dependsOn,
    queue: null,
    dep_policy: 'all',
    timeout_s: null,
    num_retries: 0,
  };
}

/**
 * Rewrite every task with more than `maxFanIn` parents into a chain of merge nodes `__merge_<T>_<i>`
 * over consecutive batches of its parents (reference §1.8). Returns `def` itself when nothing changes;
 * never mutates it. Unchanged tasks are the same objects in the result. `chainBatches: false` leaves out
 * the edges that make batch i's parents wait for merge i-1 (the reference always adds them; they create
 * a cycle when a later-batch parent is an ancestor of an earlier-batch parent).
 */
export function sequentializeFanIn(
  def: WorkflowDefinition,
  maxFanIn: number,
  opts: { chainBatches?: boolean } = {},
): WorkflowDefinition {
  const chainBatches = opts.chainBatches ?? true;
  if (!Number.isInteger(maxFanIn) || maxFanIn < 2) throw new UsageError('max_fan_in must be >= 2');
  if (!def.tasks.some((t) => t.depends_on.length > maxFanIn)) return def;
  const tasks = def.tasks.slice();
  const position = new Map(tasks.map((t, i) => [t.name, i]));
  const extraDeps = new Map<number, string[]>();
  const merges: TaskDefinition[] = [];
  for (let ti = 0; ti < def.tasks.length; ti++) {
    const target = def.tasks[ti];
    if (target.depends_on.length <= maxFanIn) continue;
    let previous: string | null = null;
    for (let i = 0, start = 0; start < target.depends_on.length; i++, start += maxFanIn) {
      const batch = target.depends_on.slice(start, start + maxFanIn);
      if (previous !== null && chainBatches) {
        // Batch i waits for merge i-1, so batches run one after another.
        for (const parent of batch) addExtra(extraDeps, position.get(parent), previous);
      }
      const node = mergeNode(target.name, i, previous === null ? batch : [...batch, previous]);
      merges.push(node);
      previous = node.name;
    }
    tasks[ti] = { ...target, depends_on: [previous as string] };
  }
  for (const [i, extra] of extraDeps)
    tasks[i] = { ...tasks[i], depends_on: [...tasks[i].depends_on, ...extra] };
  return { ...def, tasks: [...tasks, ...merges] };
}

function addExtra(extra: Map<number, string[]>, at: number | undefined, dep: string): void {
  // A dangling parent name is left for validateDefinition to report.
  if (at === undefined) return;
  const list = extra.get(at);
  if (list) list.push(dep);
  else extra.set(at, [dep]);
}

export interface FitOptions {
  maxMessageBytes: number;
  workflowIdLength: number;
}

/**
 * DECISIONS §4.14: if some task's message would not fit a queue message, rewrite the definition with
 * the largest max_fan_in whose messages all fit (fewest merge nodes). Returns `{def, maxFanIn: null}`
 * when nothing needs to change. Throws DefinitionError when no fan-in can help (kwargs too large) or
 * when merge nodes would change the task's meaning (a condition or a dep_policy other than 'all').
 */
export function fitFanIn(
  def: WorkflowDefinition,
  opts: FitOptions,
): { def: WorkflowDefinition; maxFanIn: number | null } {
  const workflowId = 'x'.repeat(opts.workflowIdLength);
  const limit = opts.maxMessageBytes;
  let widest = 0;
  for (const t of def.tasks) {
    const problem = messageSizeProblem(t, workflowId, limit);
    if (problem === null) continue;
    if (!problem.fanIn) throw new DefinitionError(problem.message);
    refuseSemanticChange(t);
    widest = Math.max(widest, t.depends_on.length);
  }
  if (widest === 0) return { def, maxFanIn: null };
  const firstProblem = (m: number): string | null => {
    const candidate = sequentializeFanIn(def, m);
    for (let i = 0; i < candidate.tasks.length; i++) {
      if (i < def.tasks.length && candidate.tasks[i] === def.tasks[i]) continue;
      const problem = messageSizeProblem(candidate.tasks[i], workflowId, limit);
      if (problem) return problem.message;
    }
    return null;
  };
  const smallestProblem = firstProblem(2);
  if (smallestProblem) throw new DefinitionError(smallestProblem);
  const m = largestFitting(widest, firstProblem);
  const chained = sequentializeFanIn(def, m);
  // Sequencing edges can close a cycle (a parent that is also an ancestor of another parent): keep the merge nodes, drop the edges.
  return {
    def: hasCycle(chained) ? sequentializeFanIn(def, m, { chainBatches: false }) : chained,
    maxFanIn: m,
  };
}

/** Largest m in [2, widest - 1] with no problem; fitting only gets harder as m grows, so binary search. */
function largestFitting(widest: number, firstProblem: (m: number) => string | null): number {
  let lo = 2;
  let hi = widest - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (firstProblem(mid) === null) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function hasCycle(def: WorkflowDefinition): boolean {
  const index = new Map(def.tasks.map((t, i) => [t.name, i]));
  const children: number[][] = def.tasks.map(() => []);
  const inDegree = def.tasks.map((t, i) => {
    for (const d of t.depends_on) children[index.get(d) ?? i].push(i);
    return t.depends_on.length;
  });
  const queue: number[] = [];
  inDegree.forEach((d, i) => d === 0 && queue.push(i));
  for (let head = 0; head < queue.length; head++) {
    for (const c of children[queue[head]]) if (--inDegree[c] === 0) queue.push(c);
  }
  return queue.length < def.tasks.length;
}

function refuseSemanticChange(t: TaskDefinition): void {
  const why = t.condition
    ? 'it has a condition'
    : t.dep_policy !== 'all'
      ? `its dep_policy is ${pyRepr(String(t.dep_policy))}`
      : null;
  if (why === null) return;
  throw new DefinitionError(
    `Task ${pyRepr(t.name)}: its task message would not fit a queue message with ${t.depends_on.length} dependencies, ` +
      `and it cannot be split into merge nodes because ${why}; reduce its fan-in (e.g. an intermediate task) or shorten task names`,
  );
}
