/**
 * The task side of the worker contract (reference §6.6, DECISIONS §4.12, §5): identity and sidecars
 * from the environment, with a lazily opened storage backend for blob outputs, the cancel flag and the
 * workflow-state fallback.
 */
import { readFileSync } from 'node:fs';
import { TaskContextError, UsageError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Backend } from '../ports/backend.js';
import type { Runtime } from '../engine/api.js';
import { MERGE_PREFIX } from '../model/types.js';
import { decodeStashMarkers } from '../wire/stash.js';
import { TASK_ENV } from '../worker/task-env.js';

/** What the worker tells a task about itself through the environment. */
export interface TaskEnvironment {
  workflowId: string;
  task: string;
  attemptNo: number | null;
  /** `JOBQ_WORKFLOW_UPSTREAM_REFS` sidecar path, when set. */
  upstreamRefsPath: string | null;
  /** `JOBQ_OUTPUT_FILE`, when set. */
  outputFile: string | null;
}

const OUTSIDE_TASK =
  'is not set: this helper only works inside a task run by a jobq (or ai4s-jobq) workflow worker';

/** Read the task identity from the environment; outside a task → TaskContextError. */
export function taskEnvironment(env: NodeJS.ProcessEnv = process.env): TaskEnvironment {
  const workflowId = env[TASK_ENV.workflowId];
  const task = env[TASK_ENV.task];
  if (!workflowId) throw new TaskContextError(`${TASK_ENV.workflowId} ${OUTSIDE_TASK}.`);
  if (!task) throw new TaskContextError(`${TASK_ENV.task} ${OUTSIDE_TASK}.`);
  const attempt = Number(env[TASK_ENV.attempt]);
  return {
    workflowId,
    task,
    attemptNo: Number.isInteger(attempt) && attempt > 0 ? attempt : null,
    upstreamRefsPath: env[TASK_ENV.upstreamRefs] || null,
    outputFile: env[TASK_ENV.outputFile] || null,
  };
}

/** The output file path; outside a task → TaskContextError (reference wording). */
export function outputFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env[TASK_ENV.outputFile];
  if (!path) {
    throw new TaskContextError(
      `${TASK_ENV.outputFile} ${OUTSIDE_TASK} (Are you running inside a workflow worker?).`,
    );
  }
  return path;
}

/** `{parent: ref|null}` from the sidecar, or null when it is missing, unreadable or empty. */
export function readUpstreamSidecar(path: string | null): Record<string, string | null> | null {
  if (!path) return null;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    const refs: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(parsed)) refs[k] = typeof v === 'string' ? v : null;
    return Object.keys(refs).length ? refs : null;
  } catch {
    return null;
  }
}

export interface TaskContextOptions {
  env?: NodeJS.ProcessEnv;
  /** Use this backend instead of opening one from the environment (it is not closed by close()). */
  backend?: Backend;
  logger?: Logger;
}

/** Upstream resolution for one task; open once, use for several calls, then close(). */
export class TaskContext {
  readonly info: TaskEnvironment;
  private backendPromise: Promise<Backend> | null = null;
  private runtimePromise: Promise<Runtime> | null = null;
  private readonly ownsBackend: boolean;

  constructor(private readonly opts: TaskContextOptions = {}) {
    this.info = taskEnvironment(opts.env ?? process.env);
    this.ownsBackend = !opts.backend;
    if (opts.backend) this.backendPromise = Promise.resolve(opts.backend);
  }

  /** The storage backend of the task's workflow (opened on first use from JOBQ_WORKFLOW_PREFIX etc.). */
  backend(): Promise<Backend> {
    this.backendPromise ??= (async () => {
      // Loaded on demand: a task that only reads inline refs from the sidecar never pays for the Azure SDKs.
      const [{ resolveConfig, requireTarget }, { openAzureBackend }] = await Promise.all([
        import('../config/resolve.js'),
        import('../adapters/azure/open.js'),
      ]);
      const cfg = resolveConfig({ flags: {}, env: this.opts.env ?? process.env });
      return openAzureBackend(requireTarget(cfg), { logger: this.opts.logger ?? silentLogger() });
    })();
    return this.backendPromise;
  }

  /** The workflow runtime loaded from storage (fallback when the sidecar cannot answer). */
  runtime(): Promise<Runtime> {
    this.runtimePromise ??= (async () => {
      const stored = await (await this.backend()).state.load(this.info.workflowId);
      if (!stored) throw new TaskContextError(`workflow '${this.info.workflowId}' was not found in storage.`);
      const { WorkflowRuntime } = await import('../engine/index.js');
      return WorkflowRuntime.fromDocs(stored.def, stored.state);
    })();
    return this.runtimePromise;
  }

  private sidecar(): Record<string, string | null> | null {
    return readUpstreamSidecar(this.info.upstreamRefsPath);
  }

  /** The output ref of an upstream task: a direct parent, or a real ancestor behind merge nodes. */
  async upstreamRef(name: string): Promise<string | null> {
    const refs = this.sidecar();
    if (refs && Object.hasOwn(refs, name)) return refs[name];
    const rt = await this.runtime();
    const { task } = this.info;
    const direct = rt.parentOutputRefs(task).find(([p]) => p === name);
    if (direct) return direct[1];
    if (rt.realUpstreamTasks(task).includes(name)) return rt.outputRef(name);
    const known = rt.realUpstreamTasks(task);
    throw new UsageError(
      `'${name}' is not an upstream task of '${task}' (upstream: ${known.length ? known.join(', ') : 'none'}).`,
    );
  }

  /** `[name, ref]` of every real upstream task (direct parents; merge nodes expanded). */
  async upstreamRefs(): Promise<[string, string | null][]> {
    const refs = this.sidecar();
    if (refs && !Object.keys(refs).some((p) => p.startsWith(MERGE_PREFIX))) return Object.entries(refs);
    const rt = await this.runtime();
    const { task } = this.info;
    if (!rt.parents(task).some((p) => rt.isMergeNode(p))) return rt.parentOutputRefs(task);
    return rt.realUpstreamTasks(task).map((n) => [n, rt.outputRef(n)] as [string, string | null]);
  }

  /** Decode an output ref: inline JSON locally, blob refs downloaded; ready stash markers → BlobStash. */
  async decodeRef(ref: string): Promise<unknown> {
    const raw = ref.startsWith('blob:')
      ? await (await this.backend()).outputs.fetchOutput(ref)
      : JSON.parse(ref);
    return decodeStashMarkers(raw);
  }

  /** Sorted real (non-merge) upstream tasks (reference §1.8 `get_real_upstream_tasks`). */
  async realUpstreamTasks(): Promise<string[]> {
    const refs = this.sidecar();
    if (refs && !Object.keys(refs).some((p) => p.startsWith(MERGE_PREFIX))) return Object.keys(refs).sort();
    return (await this.runtime()).realUpstreamTasks(this.info.task);
  }

  async isCancelled(): Promise<boolean> {
    return (await this.backend()).index.getCancelRequested(this.info.workflowId);
  }

  async close(): Promise<void> {
    if (this.ownsBackend && this.backendPromise) {
      const backend = await this.backendPromise.catch(() => null);
      await backend?.close();
    }
  }
}
