/**
 * The environment of a task process (reference §6.2 steps 4–6, §6.6) and the temp sidecar files it
 * reads and writes.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rm, writeFile } from 'node:fs/promises';
import type { Target, AccountSpec } from '../config/types.js';

/** Environment variable names shared by the worker and the task-side helpers. */
export const TASK_ENV = Object.freeze({
  workflowId: 'JOBQ_WORKFLOW_ID',
  task: 'JOBQ_WORKFLOW_TASK',
  attempt: 'JOBQ_WORKFLOW_ATTEMPT',
  upstreamRefs: 'JOBQ_WORKFLOW_UPSTREAM_REFS',
  outputFile: 'JOBQ_OUTPUT_FILE',
  prefix: 'JOBQ_WORKFLOW_PREFIX',
  queues: 'JOBQ_WORKFLOW_QUEUES',
  blobs: 'JOBQ_WORKFLOW_BLOBS',
  config: 'JOBQ_WORKFLOW_CONFIG',
});

/** Variables copied from the worker's environment unless the task's own `env` kwarg sets them. */
const PROPAGATED = [
  TASK_ENV.prefix,
  TASK_ENV.queues,
  TASK_ENV.blobs,
  TASK_ENV.config,
  'BLOB_PORT',
  'QUEUE_PORT',
  'TABLE_PORT',
];

export interface TaskIdentity {
  workflowId: string;
  task: string;
  attemptNo: number | null;
}

/** Temp files handed to one task run: the upstream refs sidecar and the (empty) output file. */
export interface TaskSidecars {
  refsPath: string;
  outputPath: string;
  cleanup(): Promise<void>;
}

function tempPath(prefix: string): string {
  return join(tmpdir(), `${prefix}${randomBytes(8).toString('hex')}.json`);
}

/** Write `{parent: ref|null}` (always, even when empty) and create an empty output file. */
export async function writeSidecars(upstreamRefs: Record<string, string | null>): Promise<TaskSidecars> {
  const refsPath = tempPath('jobq_upstream_refs_');
  const outputPath = tempPath('jobq_output_');
  await writeFile(refsPath, JSON.stringify(upstreamRefs), { mode: 0o600 });
  await writeFile(outputPath, '', { mode: 0o600 });
  return {
    refsPath,
    outputPath,
    cleanup: async () => {
      await Promise.all([rm(refsPath, { force: true }), rm(outputPath, { force: true })]);
    },
  };
}

/** Stringify an `env` kwarg (values may be numbers or booleans in a definition); drop null/undefined. */
export function taskEnvKwarg(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

/**
 * Worker env, then the task's `env` kwarg, then the task identity and sidecar paths (which the task
 * cannot override). Prefix/queues/blobs come from the worker unless the task env sets them.
 */
export function buildTaskEnv(
  workerEnv: NodeJS.ProcessEnv,
  taskEnv: Record<string, string>,
  id: TaskIdentity | null,
  sidecars: TaskSidecars | null,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...workerEnv };
  // Identity from an enclosing task (a worker started inside a task) must not leak into this one.
  for (const k of [
    TASK_ENV.workflowId,
    TASK_ENV.task,
    TASK_ENV.attempt,
    TASK_ENV.upstreamRefs,
    TASK_ENV.outputFile,
  ]) {
    delete env[k];
  }
  Object.assign(env, taskEnv);
  for (const k of PROPAGATED) {
    if (taskEnv[k] === undefined && workerEnv[k] !== undefined) env[k] = workerEnv[k];
  }
  if (id) {
    env[TASK_ENV.workflowId] = id.workflowId;
    env[TASK_ENV.task] = id.task;
    if (id.attemptNo !== null) env[TASK_ENV.attempt] = String(id.attemptNo);
  }
  if (sidecars) {
    env[TASK_ENV.upstreamRefs] = sidecars.refsPath;
    env[TASK_ENV.outputFile] = sidecars.outputPath;
  }
  return env;
}

function accountString(a: AccountSpec): string | null {
  if (a.kind === 'azurite') return a.account;
  if (a.kind === 'aad') return a.account;
  return null; // connection strings cannot travel in JOBQ_WORKFLOW_PREFIX (the parser rejects them)
}

/**
 * Variables that let `jobq task …` inside a task reach the storage this worker uses, whatever way the
 * worker was configured (flag, env, jobq.yaml). A connection-string account is reachable only through
 * the config file, which is propagated as JOBQ_WORKFLOW_CONFIG when one was used.
 */
export function targetEnv(target: Target, configPath: string | null = null): Record<string, string> {
  const env: Record<string, string> = {};
  const storage = accountString(target.storage);
  if (storage) env[TASK_ENV.prefix] = `${storage}/${target.prefix}`;
  if (configPath) env[TASK_ENV.config] = configPath;
  const q = target.queues;
  if (q.kind === 'service-bus') {
    if (!q.connectionString) env[TASK_ENV.queues] = `sb://${q.namespace}`;
  } else {
    const acct = accountString(q.account);
    if (acct) env[TASK_ENV.queues] = acct;
  }
  const blobAcct = accountString(target.blobs.account);
  if (blobAcct) env[TASK_ENV.blobs] = `${blobAcct}/${target.blobs.container}`;
  for (const a of [target.storage, target.blobs.account, q.kind === 'storage' ? q.account : null]) {
    if (a?.kind === 'azurite') {
      env.BLOB_PORT = String(a.blobPort);
      env.QUEUE_PORT = String(a.queuePort);
      env.TABLE_PORT = String(a.tablePort);
      break;
    }
  }
  return env;
}
