/**
 * The zod model of a workflow definition (reference §1.2–1.3, DECISIONS §4.1/§4.10). It is the single
 * source of the JSON Schema in `schemas/` and the final shape check of the parser.
 */
// A namespace import lets the bundler drop what we do not use (zod's 40 locales, JSON-Schema import):
// `import { z }` binds zod's whole namespace object and kept 580 KB in every validate (issue 16).
import * as z from 'zod';
import { DEFAULT_QUEUE, DEFAULT_RESULT_POLICY } from './types.js';

export const SCHEMA_ID = 'https://github.com/jobq/jobq/schemas/workflow-definition.schema.json';

export const DepPolicySchema = z
  .union([
    z.enum(['all', 'any', 'all_settled']),
    z
      .int()
      .min(1)
      .describe('N: ready once N dependencies succeeded (must not exceed the number of dependencies)'),
  ])
  .describe(
    "Readiness rule: 'all' (every dependency succeeded), 'any' (one succeeded), 'all_settled' (every dependency finished, success or not), or an integer N",
  );

const LockNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/);

export const CacheSchema = z
  .union([
    z.boolean(),
    z.strictObject({
      key: z
        .string()
        .min(1)
        .max(1024)
        .optional()
        .describe(
          'Explicit key with {inputs.X.y} references (condition-language paths); replaces the content hash',
        ),
      ttl_s: z.int().min(1).optional().describe('Ignore entries older than this many seconds'),
      version: z.string().optional().describe('Mixed into the key: bump it to invalidate earlier results'),
    }),
  ])
  .describe(
    'jobq extension: memoize the result. true keys it by a hash of kwargs, each parent output and version; a hit completes the task without running it',
  );

export const TaskSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(256)
      .describe(
        "Unique task name. '/' groups tasks (e.g. 'train/rf'); no empty, '.' or '..' segments, no '\\', '#', '?'",
      ),
    kwargs: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Payload for the worker; the shell processor reads cmd (required there), env, cwd'),
    depends_on: z.array(z.string()).default([]).describe('Names of parent tasks; empty means a root task'),
    queue: z
      .string()
      .nullable()
      .default(null)
      .describe(
        "Queue for this task ('name', 'account/name' or 'sb://namespace/name'); null means default_queue",
      ),
    dep_policy: DepPolicySchema.default('all'),
    timeout_s: z
      .int()
      .min(1)
      .nullable()
      .default(null)
      .describe('Running-time limit in seconds; null means default_task_timeout_s'),
    num_retries: z
      .int()
      .min(0)
      .default(0)
      .describe('Number of retries after a failure: the task runs at most num_retries + 1 times'),
    condition: z
      .string()
      .nullable()
      .optional()
      .describe('Gate over parent outputs, e.g. inputs.train.acc > 0.9; false skips the task'),
    cache: CacheSchema.optional(),
    mutex: LockNameSchema.optional().describe(
      'reserved jobq extension, not supported yet: submit and validate refuse a task that sets it',
    ),
    semaphore: LockNameSchema.optional().describe(
      'reserved jobq extension, not supported yet: submit and validate refuse a task that sets it',
    ),
  })
  .meta({ id: 'task', title: 'Task' });

export const WorkflowDefinitionSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema reference for editors; ignored by jobq'),
    name: z.string().min(1).describe('Workflow name (shown by status and list)'),
    tasks: z.array(TaskSchema).min(1).describe('The tasks of the DAG'),
    default_queue: z.string().default(DEFAULT_QUEUE).describe('Queue for tasks without a queue'),
    default_task_timeout_s: z
      .int()
      .min(1)
      .nullable()
      .default(null)
      .describe('timeout_s for tasks that set none; null means the coordinator --running-timeout-s'),
    max_parallelism: z
      .int()
      .min(1)
      .nullable()
      .default(null)
      .describe('Most tasks of this workflow queued or running at once; null means unlimited'),
    result_policy: z
      .enum(['all_sinks_succeed', 'all_tasks_succeed'])
      .default(DEFAULT_RESULT_POLICY)
      .describe(
        "'all_sinks_succeed': completed when every sink task succeeded; 'all_tasks_succeed': every task must succeed",
      ),
    idempotency_key: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe(
        'jobq extension: the workflow ID is derived from this key; submitting the same key and definition again prints the existing ID',
      ),
  })
  .meta({ title: 'Workflow Definition' });

/** The JSON Schema document (draft 2020-12) generated from the zod model. */
export function workflowDefinitionJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(WorkflowDefinitionSchema, {
    target: 'draft-2020-12',
    io: 'input',
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: SCHEMA_ID, ...rest };
}
