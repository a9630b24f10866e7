/**
 * Structural validation of a parsed definition (reference §1.4, in its order), plus the name rules of
 * DECISIONS §4.13 and the queue-message size limit (reference §4.7, DECISIONS §4.14). O(tasks + edges).
 */
import { DefinitionError } from '../errors.js';
import { ConditionError, validateCondition } from '../condition/index.js';
import { pyRepr } from '../condition/errors.js';
import { isMergeName, validateTaskName } from './names.js';
import { cacheKeyReferences } from './extensions.js';
import { queueSpecProblem, suggestStorageQueueName } from './queue-names.js';
import {
  DEFAULT_WORKFLOW_ID_LENGTH,
  STORAGE_QUEUE_MAX_MESSAGE_BYTES,
  taskMessageBytes,
  taskMessageBytesUpperBound,
} from './message-size.js';
import { BATCH_MERGE_KWARG, type TaskDefinition, type WorkflowDefinition } from './types.js';

export interface ValidateOptions {
  /** Queue message limit in bytes (default 65536, Storage Queue). */
  maxMessageBytes?: number;
  /** Length of the workflow ID the messages will carry (default 32, a generated ID). */
  workflowIdLength?: number;
  /**
   * Check that every task message fits (default true). Submit passes false for its first pass so that
   * `fitFanIn` can rewrite a wide fan-in before the final, full validation.
   */
  checkMessageSize?: boolean;
  /**
   * Semaphore limits the target's coordinator is configured with (`coordinator.semaphores`): a task
   * naming another semaphore is refused. Unset: semaphore names are not checked.
   */
  semaphores?: Readonly<Record<string, number>>;
}

/** Cycle and unreachable reports list at most this many names (a 100k-task cycle must stay one line). */
const MAX_LISTED_NAMES = 50;

const fail = (message: string): never => {
  throw new DefinitionError(message);
};

/** Throws DefinitionError with the first problem found (reference §1.4 order, then jobq's own checks). */
export function validateDefinition(def: WorkflowDefinition, opts: ValidateOptions = {}): void {
  if (typeof def.name !== 'string' || def.name.trim() === '')
    fail('workflow name must be a non-empty string');
  for (const t of def.tasks) {
    if (typeof t.name !== 'string' || t.name.trim() === '') fail('task name must be a non-empty string');
  }
  checkNames(def);
  checkMaxParallelism(def.max_parallelism);
  const index = indexTasks(def.tasks);
  const children = checkReferences(def.tasks, index);
  checkAcyclic(def.tasks, children);
  checkRootsReachable(def.tasks, children);
  for (const t of def.tasks) checkDepPolicy(t);
  for (const t of def.tasks) checkCondition(t);
  for (const t of def.tasks) checkExtensions(t, opts.semaphores);
  checkQueues(def);
  if (opts.checkMessageSize !== false) checkMessageSizes(def, opts);
}

/** DECISIONS §4.13: names that cannot escape a blob prefix; `__merge_` only for real merge nodes. */
function checkNames(def: WorkflowDefinition): void {
  for (const t of def.tasks) {
    const problem = validateTaskName(t.name);
    if (problem) fail(`Task ${pyRepr(t.name)}: ${problem}`);
    const merge = Boolean(t.kwargs[BATCH_MERGE_KWARG]);
    if (
      isMergeName(t.name) &&
      !(merge && t.name === `__merge_${String(t.kwargs.__target)}_${String(t.kwargs.__batch)}`)
    ) {
      fail(
        `Task ${pyRepr(t.name)}: names starting with '__merge_' are reserved for merge nodes made by --max-fan-in`,
      );
    }
    if (merge && !isMergeName(t.name)) {
      fail(
        `Task ${pyRepr(t.name)}: the '${BATCH_MERGE_KWARG}' kwarg is reserved for merge nodes made by --max-fan-in`,
      );
    }
  }
}

function checkMaxParallelism(v: unknown): void {
  if (v === null || v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    fail(`max_parallelism must be a positive int or None, got ${String(v)} (${typeof v})`);
  }
  if ((v as number) < 1)
    fail(`max_parallelism must be >= 1 when set; got ${String(v)}. Use None for unlimited.`);
}

function indexTasks(tasks: TaskDefinition[]): Map<string, number> {
  const index = new Map<string, number>();
  for (let i = 0; i < tasks.length; i++) {
    if (index.has(tasks[i].name)) fail(`Duplicate task name: ${pyRepr(tasks[i].name)}`);
    index.set(tasks[i].name, i);
  }
  return index;
}

/** Child adjacency in compressed form: children of task p are `list[start[p]] .. list[start[p + 1] - 1]`. */
interface Children {
  start: Int32Array;
  list: Int32Array;
}

/** Steps 5–6 (and duplicate entries). Flat typed arrays keep 100k-task definitions light on the GC. */
function checkReferences(tasks: TaskDefinition[], index: Map<string, number>): Children {
  let edges = 0;
  for (const t of tasks) edges += t.depends_on.length;
  const parentOf = new Int32Array(edges);
  const childCount = new Int32Array(tasks.length + 1);
  // lastChild[p] === i + 1 marks parent p as already listed by task i (duplicate check without a Set per task).
  const lastChild = new Int32Array(tasks.length);
  for (let i = 0, e = 0; i < tasks.length; i++) {
    const t = tasks[i];
    const first = e;
    for (const d of t.depends_on) {
      const p = index.get(d);
      if (p === undefined) return fail(`Task ${pyRepr(t.name)} depends on ${pyRepr(d)} which does not exist`);
      parentOf[e++] = p;
    }
    for (let k = first; k < e; k++) if (parentOf[k] === i) fail(`Task ${pyRepr(t.name)} depends on itself`);
    for (let k = first; k < e; k++) {
      const p = parentOf[k];
      if (lastChild[p] === i + 1)
        fail(`Task ${pyRepr(t.name)} lists dependency ${pyRepr(tasks[p].name)} more than once`);
      lastChild[p] = i + 1;
      childCount[p + 1]++;
    }
  }
  const start = childCount;
  for (let p = 0; p < tasks.length; p++) start[p + 1] += start[p];
  const list = new Int32Array(edges);
  const fill = start.slice(0, tasks.length);
  for (let i = 0, e = 0; i < tasks.length; i++) {
    for (let k = 0; k < tasks[i].depends_on.length; k++) list[fill[parentOf[e++]]++] = i;
  }
  return { start, list };
}

function listNames(names: string[], open = '[', close = ']'): string {
  const shown = names.slice(0, MAX_LISTED_NAMES).map(pyRepr).join(', ');
  const more = names.length > MAX_LISTED_NAMES ? `, ... (${names.length - MAX_LISTED_NAMES} more)` : '';
  return `${open}${shown}${more}${close}`;
}

/** Step 7: Kahn's algorithm; a cycle names every task left with in-degree > 0. */
function checkAcyclic(tasks: TaskDefinition[], children: Children): void {
  const inDegree = new Int32Array(tasks.length);
  const queue = new Int32Array(tasks.length);
  let tail = 0;
  for (let i = 0; i < tasks.length; i++) {
    inDegree[i] = tasks[i].depends_on.length;
    if (inDegree[i] === 0) queue[tail++] = i;
  }
  for (let head = 0; head < tail; head++) {
    const p = queue[head];
    for (let k = children.start[p]; k < children.start[p + 1]; k++) {
      if (--inDegree[children.list[k]] === 0) queue[tail++] = children.list[k];
    }
  }
  if (tail === tasks.length) return;
  const stuck = tasks.filter((_, i) => inDegree[i] > 0).map((t) => t.name);
  fail(`Cycle detected involving tasks: ${listNames(stuck)}`);
}

/** Step 8: at least one root, every task reachable from a root. */
function checkRootsReachable(tasks: TaskDefinition[], children: Children): void {
  const seen = new Uint8Array(tasks.length);
  const queue = new Int32Array(tasks.length);
  let tail = 0;
  for (let i = 0; i < tasks.length; i++) {
    if (tasks[i].depends_on.length === 0) {
      seen[i] = 1;
      queue[tail++] = i;
    }
  }
  if (tail === 0) fail('No root tasks (every task has dependencies)');
  for (let head = 0; head < tail; head++) {
    const p = queue[head];
    for (let k = children.start[p]; k < children.start[p + 1]; k++) {
      const c = children.list[k];
      if (!seen[c]) {
        seen[c] = 1;
        queue[tail++] = c;
      }
    }
  }
  if (tail === tasks.length) return;
  const unreachable = tasks.filter((_, i) => !seen[i]).map((t) => t.name);
  fail(`Unreachable tasks (no path from a root): ${listNames(unreachable, '{', '}')}`);
}

/** Step 9. */
function checkDepPolicy(t: TaskDefinition): void {
  const p: unknown = t.dep_policy;
  if (typeof p === 'number' && Number.isInteger(p)) {
    if (p < 1) fail(`Task ${pyRepr(t.name)}: dep_policy int must be >= 1, got ${p}`);
    if (p > t.depends_on.length)
      fail(`Task ${pyRepr(t.name)}: dep_policy=${p} but only ${t.depends_on.length} dependencies`);
    return;
  }
  if (p !== 'all' && p !== 'any' && p !== 'all_settled') {
    fail(`Task ${pyRepr(t.name)}: dep_policy must be 'all', 'any', 'all_settled', or int, got ${String(p)}`);
  }
}

/** Step 10 (reference §3.5). */
function checkCondition(t: TaskDefinition): void {
  if (!t.condition) return;
  if (t.depends_on.length === 0) fail(`Task ${pyRepr(t.name)}: condition requires at least one dependency`);
  const merge = t.depends_on.find(isMergeName);
  if (merge !== undefined) {
    fail(
      `Task ${pyRepr(t.name)}: condition is incompatible with sequentialize_fan_in: dependency ${pyRepr(merge)} is a merge node ` +
        `and conditions cannot see through merge nodes; remove the condition or keep its fan-in at or below --max-fan-in`,
    );
  }
  try {
    validateCondition(t.condition, t.depends_on);
  } catch (err) {
    if (err instanceof ConditionError) fail(`Task ${pyRepr(t.name)}: ${err.message}`);
    throw err;
  }
}

/** DECISIONS §4.17: one lock per task, a semaphore the coordinator has a limit for; a cache key template's `{inputs…}` references name real parents. */
function checkExtensions(t: TaskDefinition, semaphores: Readonly<Record<string, number>> | undefined): void {
  if (t.mutex !== undefined && t.semaphore !== undefined)
    fail(`Task ${pyRepr(t.name)}: set either 'mutex' or 'semaphore', not both`);
  if (t.semaphore !== undefined && semaphores !== undefined && !Object.hasOwn(semaphores, t.semaphore)) {
    const known = Object.keys(semaphores).sort();
    fail(
      `Task ${pyRepr(t.name)}: unknown semaphore ${pyRepr(t.semaphore)}: no limit is configured for it ` +
        `(${known.length ? `configured: ${known.join(', ')}` : 'none configured'}); add it to coordinator.semaphores in jobq.yaml ` +
        `or JOBQ_COORDINATOR_SEMAPHORES=${t.semaphore}=N`,
    );
  }
  const template = t.cache?.key;
  if (!template) return;
  const refs = cacheKeyReferences(template);
  if (refs.length > 0 && t.depends_on.length === 0)
    fail(`Task ${pyRepr(t.name)}: cache.key references {inputs…} but the task has no dependencies`);
  for (const ref of refs) {
    if (!/^inputs(\.|\[)/.test(ref))
      fail(`Task ${pyRepr(t.name)}: cache.key reference {${ref}} must be an inputs.<parent>… path`);
    try {
      validateCondition(ref, t.depends_on);
    } catch (err) {
      if (err instanceof ConditionError) fail(`Task ${pyRepr(t.name)}: cache.key {${ref}}: ${err.message}`);
      throw err;
    }
  }
}

/** DECISIONS §4.13: every queue a task would use must be creatable (Storage or Service Bus naming rules). */
function checkQueues(def: WorkflowDefinition): void {
  if (typeof def.default_queue !== 'string') fail('default_queue must be a string');
  const defaultProblem = queueSpecProblem(def.default_queue);
  if (defaultProblem) fail(`default_queue: ${queueMessage(def.default_queue, defaultProblem)}`);
  for (let i = 0; i < def.tasks.length; i++) {
    const t = def.tasks[i];
    if (t.queue === null || t.queue === undefined) continue;
    const problem = queueSpecProblem(t.queue);
    if (problem) fail(`tasks[${i}] (${t.name}): queue: ${queueMessage(t.queue, problem)}`);
  }
}

function queueMessage(spec: string, problem: string): string {
  const bare = !spec.includes('/') && !spec.includes(':') && !spec.includes('=');
  const suggestion = bare ? suggestStorageQueueName(spec) : null;
  // A pasted connection string carries a key: show only its start.
  const shown = spec.includes('=') ? `${spec.slice(0, 20)}…` : spec;
  return `${pyRepr(shown)} is not a valid queue name: ${problem}${suggestion ? ` (try ${pyRepr(suggestion)})` : ''}`;
}

/** Reference §4.7 / DECISIONS §4.14: every task message must fit one queue message. */
function checkMessageSizes(def: WorkflowDefinition, opts: ValidateOptions): void {
  const limit = opts.maxMessageBytes ?? STORAGE_QUEUE_MAX_MESSAGE_BYTES;
  const workflowId = 'x'.repeat(opts.workflowIdLength ?? DEFAULT_WORKFLOW_ID_LENGTH);
  for (const t of def.tasks) {
    const problem = messageSizeProblem(t, workflowId, limit);
    if (problem) fail(problem.message);
  }
}

/** A task message over the limit; `fanIn` is true when merge nodes could make it fit. */
export interface MessageSizeProblem {
  message: string;
  fanIn: boolean;
}

/** Why `t`'s task message cannot be sent, or null if it fits. Shared with the fan-in fitting. */
export function messageSizeProblem(
  t: TaskDefinition,
  workflowId: string,
  limit: number,
): MessageSizeProblem | null {
  const attempt = t.num_retries + 1;
  if (taskMessageBytesUpperBound(workflowId.length, t.name, t.kwargs, t.depends_on, attempt) <= limit)
    return null;
  const bytes = taskMessageBytes(workflowId, t.name, t.kwargs, t.depends_on, attempt);
  if (bytes <= limit) return null;
  const alone = taskMessageBytes(workflowId, t.name, t.kwargs, [], attempt);
  if (alone > limit || t.depends_on.length < 3) {
    const message =
      `Task ${pyRepr(t.name)}: its kwargs are too large: the task message would be ${bytes} bytes, over the ` +
      `${limit}-byte queue message limit; pass large data through a file or an upstream task's output instead`;
    return { message, fanIn: false };
  }
  const message =
    `Task ${pyRepr(t.name)}: its task message would be ${bytes} bytes with ${t.depends_on.length} dependencies, over the ` +
    `${limit}-byte queue message limit; use --max-fan-in N to split the fan-in into merge nodes (submit does this ` +
    `automatically unless --max-fan-in 0)`;
  return { message, fanIn: true };
}
