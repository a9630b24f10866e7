/**
 * Parsing a definition document (reference §1.1–1.3): shape and type checks in the reference's order,
 * each failure a one-line DefinitionError prefixed `<source>: tasks[i] (name): ...`. The accepted
 * shape is the zod model in `schema.ts` (from which the JSON Schema is generated).
 */
import { readFile } from 'node:fs/promises';
import { DefinitionError, fileReadFailure } from '../errors.js';
import { pyList, pyRepr } from '../condition/errors.js';
import { parseCacheField, parseIdempotencyKey, parseLockField } from './extensions.js';
import {
  DEFAULT_QUEUE,
  DEFAULT_RESULT_POLICY,
  type DepPolicy,
  type ResultPolicy,
  type TaskDefinition,
  type WorkflowDefinition,
} from './types.js';

const WORKFLOW_FIELDS = new Set([
  '$schema',
  'name',
  'tasks',
  'default_queue',
  'default_task_timeout_s',
  'max_parallelism',
  'result_policy',
  'idempotency_key',
]);
const TASK_FIELDS = new Set([
  'name',
  'kwargs',
  'depends_on',
  'queue',
  'dep_policy',
  'timeout_s',
  'num_retries',
  'condition',
  'cache',
  'mutex',
  'semaphore',
]);
const DEP_POLICY_STRINGS = new Set(['all', 'any', 'all_settled']);

type Doc = Record<string, unknown>;

/** Python-like type name of a parsed document value, for messages. */
export function docTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'object') return 'dict';
  return typeof v;
}

/** Python-like repr of a document value (strings quoted, null as None). */
export function docRepr(v: unknown): string {
  if (typeof v === 'string') return pyRepr(v);
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return JSON.stringify(v) ?? String(v);
}

function isMapping(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function unknownFields(doc: Doc, allowed: Set<string>): string[] {
  let unknown: string[] | null = null;
  for (const k in doc) {
    if (Object.hasOwn(doc, k) && !allowed.has(k)) (unknown ??= []).push(k);
  }
  return unknown === null ? [] : unknown.sort();
}

/**
 * Parse an already-decoded document into a WorkflowDefinition with defaults applied.
 * Throws DefinitionError with the first failing check (reference order). Structural DAG checks are
 * `validateDefinition`'s job.
 */
export function parseDefinition(doc: unknown, source: string): WorkflowDefinition {
  const fail = (msg: string): never => {
    throw new DefinitionError(`${source}: ${msg}`);
  };
  if (!isMapping(doc)) return fail(`expected a mapping, got ${docTypeName(doc)}`);
  const unknown = unknownFields(doc, WORKFLOW_FIELDS);
  if (unknown.length > 0) fail(`unknown workflow fields: ${pyList(unknown)}`);
  if (!Object.hasOwn(doc, 'name')) fail("'name' is required");
  if (typeof doc.name !== 'string') fail("'name' must be a string");
  if (!Object.hasOwn(doc, 'tasks')) fail("'tasks' is required");
  if (!Array.isArray(doc.tasks)) fail("'tasks' must be a list");
  const rawTasks = doc.tasks as unknown[];
  if (rawTasks.length === 0) fail("'tasks' must not be empty");
  const defaultQueue = doc.default_queue ?? DEFAULT_QUEUE;
  if (typeof defaultQueue !== 'string') fail("'default_queue' must be a string");
  const defaultTimeout = optionalPositiveInt(doc.default_task_timeout_s, 'default_task_timeout_s', source);
  const maxParallelism = doc.max_parallelism ?? null;
  if (maxParallelism !== null && (!isInt(maxParallelism) || maxParallelism < 1)) {
    fail(`'max_parallelism' must be a positive integer or null, got ${docRepr(maxParallelism)}`);
  }
  const resultPolicy = doc.result_policy ?? DEFAULT_RESULT_POLICY;
  if (resultPolicy !== 'all_sinks_succeed' && resultPolicy !== 'all_tasks_succeed') {
    fail(`'result_policy' must be 'all_sinks_succeed' or 'all_tasks_succeed', got ${docRepr(resultPolicy)}`);
  }
  checkDuplicateNames(rawTasks, fail);
  const idempotencyKey = parseIdempotencyKey(doc.idempotency_key, source);
  const def: WorkflowDefinition = {
    name: doc.name as string,
    tasks: rawTasks.map((raw, i) => parseTask(raw, `${source}: tasks[${i}]`)),
    default_queue: defaultQueue as string,
    default_task_timeout_s: defaultTimeout,
    max_parallelism: maxParallelism as number | null,
    result_policy: resultPolicy as ResultPolicy,
  };
  if (idempotencyKey !== undefined) def.idempotency_key = idempotencyKey;
  return def;
}

/** Reference §1.2: duplicates are reported before any per-task check. */
function checkDuplicateNames(rawTasks: unknown[], fail: (msg: string) => never): void {
  const seen = new Set<string>();
  for (let i = 0; i < rawTasks.length; i++) {
    const raw = rawTasks[i];
    if (!isMapping(raw) || typeof raw.name !== 'string') continue;
    if (seen.has(raw.name)) fail(`tasks[${i}]: Duplicate task name: ${pyRepr(raw.name)}`);
    seen.add(raw.name);
  }
}

function optionalPositiveInt(v: unknown, field: string, where: string): number | null {
  if (v === undefined || v === null) return null;
  if (!isInt(v)) taskFail(where, `'${field}' must be an integer or null`);
  if ((v as number) < 1) taskFail(where, `'${field}' must be >= 1 or null, got ${docRepr(v)}`);
  return v as number;
}

/** Throws the per-task parse error (a plain function, not a per-task closure: 100k tasks parse fast). */
function taskFail(where: string, msg: string): never {
  throw new DefinitionError(`${where}: ${msg}`);
}

function parseTask(raw: unknown, at: string): TaskDefinition {
  if (!isMapping(raw)) return taskFail(at, `expected a mapping, got ${docTypeName(raw)}`);
  const unknown = unknownFields(raw, TASK_FIELDS);
  if (unknown.length > 0) taskFail(at, `unknown task fields: ${pyList(unknown)}`);
  if (!Object.hasOwn(raw, 'name')) taskFail(at, "'name' is required");
  if (typeof raw.name !== 'string') taskFail(at, "'name' must be a string");
  const name = raw.name as string;
  if (name.trim() === '') taskFail(at, "'name' must not be empty");
  const where = `${at} (${name})`;
  const kwargs = raw.kwargs ?? {};
  if (!isMapping(kwargs)) taskFail(where, "'kwargs' must be a mapping");
  const dependsOn = raw.depends_on ?? [];
  if (!Array.isArray(dependsOn)) taskFail(where, "'depends_on' must be a list");
  const deps = dependsOn as unknown[];
  for (let j = 0; j < deps.length; j++) {
    if (typeof deps[j] !== 'string') taskFail(where, `depends_on[${j}] must be a string`);
  }
  const queue = raw.queue ?? null;
  if (queue !== null && typeof queue !== 'string') taskFail(where, "'queue' must be a string or null");
  const depPolicy = parseDepPolicy(raw.dep_policy, where);
  const timeout = optionalPositiveInt(raw.timeout_s, 'timeout_s', where);
  const retries = raw.num_retries ?? 0;
  if (!isInt(retries)) taskFail(where, "'num_retries' must be an integer");
  if ((retries as number) < 0) taskFail(where, `'num_retries' must be >= 0, got ${docRepr(retries)}`);
  const condition = raw.condition ?? null;
  if (condition !== null && typeof condition !== 'string')
    taskFail(where, "'condition' must be a string expression");
  const task: TaskDefinition = {
    name,
    kwargs: kwargs as Record<string, unknown>,
    depends_on: deps as string[],
    queue: queue as string | null,
    dep_policy: depPolicy,
    timeout_s: timeout,
    num_retries: retries as number,
  };
  // An empty condition means "no condition", as in the reference (it only serialises truthy ones).
  if (typeof condition === 'string' && condition.trim() !== '') task.condition = condition;
  // jobq extensions (DECISIONS §4.17): only present when used, so plain definitions stay plain.
  if (raw.cache !== undefined) {
    const cache = parseCacheField(raw.cache, where);
    if (cache) task.cache = cache;
  }
  const mutex = parseLockField(raw.mutex, 'mutex', where);
  if (mutex !== undefined) task.mutex = mutex;
  const semaphore = parseLockField(raw.semaphore, 'semaphore', where);
  if (semaphore !== undefined) task.semaphore = semaphore;
  return task;
}

function parseDepPolicy(v: unknown, where: string): DepPolicy {
  if (v === undefined || v === null) return 'all';
  if (typeof v === 'string') {
    if (!DEP_POLICY_STRINGS.has(v))
      taskFail(where, "'dep_policy' string must be 'all', 'any', or 'all_settled'");
    return v as DepPolicy;
  }
  // Booleans are refused (Python would take `true` as 1, which is never what was meant).
  if (!isInt(v)) taskFail(where, "'dep_policy' must be 'all', 'any', 'all_settled', or int");
  return v as number;
}

/** Whether a definition source is YAML (`.yaml`/`.yml`) rather than JSON (reference §1.1). */
export function isYamlSource(source: string): boolean {
  return /\.ya?ml$/i.test(source);
}

/**
 * Parse definition text: YAML with `parseYaml` when given, JSON otherwise. `parseDefinitionText`
 * (parse-text.ts) is the public form; here yaml is a parameter so a JSON file never loads it.
 */
export function definitionFromText(
  text: string,
  source: string,
  parseYaml: ((text: string) => unknown) | null,
): WorkflowDefinition {
  let doc: unknown;
  try {
    doc = parseYaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/:\s*$/, '');
    throw new DefinitionError(`${source}: invalid ${parseYaml ? 'YAML' : 'JSON'}: ${detail}`);
  }
  return parseDefinition(doc, source);
}

/** Read and parse a definition file. A missing or unreadable file is a one-line DefinitionError. */
export async function loadDefinitionFile(path: string): Promise<WorkflowDefinition> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DefinitionError(`${path}: ${fileReadFailure(err, 'a definition file')}`);
  }
  // The YAML parser (≈ 160 KB) is loaded for YAML files only (issue 16: start-up).
  const parseYaml = isYamlSource(path) ? (await import('./yaml.js')).parseYamlDocument : null;
  return definitionFromText(text, path, parseYaml);
}
