/**
 * Running one decoded task to an outcome: the shell processor (sidecars, env, process group, cancel
 * poll, output collection) or a load-test processor. No queue settlement here (see handle-message.ts).
 */
import { stat } from 'node:fs/promises';
import type { Logger } from '../log.js';
import type { Backend } from '../ports/backend.js';
import type { ProcessorKind } from './options.js';
import { ShellProcess, shellFailureMessage } from './shell-process.js';
import { buildTaskEnv, taskEnvKwarg, writeSidecars, type TaskIdentity } from './task-env.js';
import { CancelPoller } from './cancel-poller.js';
import { collectOutput } from './output-collector.js';
import { simulatedFailure, sleepSeconds } from './load-processors.js';
import type { AttemptLog, TaskLogSettings } from './attempt-log.js';

/** The error text of a task ended by a workflow cancel (reference §6.2). */
export const CANCELLED_ERROR = 'workflow cancelled';

export type TaskOutcome =
  | {
      kind: 'done';
      success: boolean;
      outputRef: string | null;
      error: string | null;
      /** How the shell command ended, when one ran (for the attempt's log). */
      exitCode?: number | null;
      signal?: string | null;
    }
  /** The worker shut down while the task ran: return the message, publish nothing. */
  | { kind: 'interrupted' };

export interface RunContext {
  backend: Backend;
  processor: ProcessorKind;
  workerEnv: NodeJS.ProcessEnv;
  cancelPollIntervalS: number;
  killTimeoutS: number;
  logger: Logger;
  /** Aborted when the worker stops past its grace period. */
  shutdown: AbortSignal;
  /** How attempt logs are kept (default TASK_LOG_DEFAULTS). */
  taskLogs?: TaskLogSettings;
}

export interface TaskSpec {
  /** Workflow identity; null for a plain (non-workflow) task. */
  id: TaskIdentity | null;
  /** Name for logs and the fail-threshold hash (task name, or message id for plain tasks). */
  name: string;
  kwargs: Record<string, unknown>;
  upstreamRefs: Record<string, string | null>;
  /** The attempt's stored log (workflow shell tasks on a jobq worker). */
  log?: AttemptLog | null;
}

function abortable(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => finish(true), ms);
    function finish(completed: boolean) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(completed);
    }
    const onAbort = () => finish(false);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `noop` and `sleep`: complete without forking; `fail_threshold` decides failures deterministically. */
async function runLoadProcessor(spec: TaskSpec, ctx: RunContext): Promise<TaskOutcome> {
  if (ctx.processor === 'sleep') {
    const finished = await abortable(sleepSeconds(spec.kwargs) * 1000, ctx.shutdown);
    if (!finished) return { kind: 'interrupted' };
  }
  const error = simulatedFailure(spec.name, spec.kwargs);
  return { kind: 'done', success: error === null, outputRef: null, error };
}

async function checkCwd(cwd: string | undefined): Promise<string | null> {
  if (cwd === undefined) return null;
  try {
    if ((await stat(cwd)).isDirectory()) return null;
  } catch {
    // fall through
  }
  return `working directory '${cwd}' does not exist`;
}

/** Execute one task with the configured processor. Never throws for task-level problems. */
export async function runTask(spec: TaskSpec, ctx: RunContext): Promise<TaskOutcome> {
  if (ctx.processor !== 'shell') return runLoadProcessor(spec, ctx);
  const cmd = spec.kwargs.cmd;
  if (typeof cmd !== 'string' || cmd.trim() === '') {
    return {
      kind: 'done',
      success: false,
      outputRef: null,
      error: 'task has no `cmd` kwarg (a shell command string)',
    };
  }
  const cwd = typeof spec.kwargs.cwd === 'string' && spec.kwargs.cwd !== '' ? spec.kwargs.cwd : undefined;
  const cwdError = await checkCwd(cwd);
  if (cwdError) return { kind: 'done', success: false, outputRef: null, error: cwdError };
  return spec.id ? runWorkflowShell(spec, spec.id, cmd, cwd, ctx) : runPlainShell(spec, cmd, cwd, ctx);
}

async function runPlainShell(
  spec: TaskSpec,
  cmd: string,
  cwd: string | undefined,
  ctx: RunContext,
): Promise<TaskOutcome> {
  const env = buildTaskEnv(ctx.workerEnv, taskEnvKwarg(spec.kwargs.env), null, null);
  const proc = ShellProcess.start({ cmd, cwd, env, logger: ctx.logger });
  const onShutdown = () => proc.terminate(Math.min(ctx.killTimeoutS, 5));
  ctx.shutdown.addEventListener('abort', onShutdown, { once: true });
  const result = await proc.exited;
  ctx.shutdown.removeEventListener('abort', onShutdown);
  if (ctx.shutdown.aborted) return { kind: 'interrupted' };
  const error = shellFailureMessage(result);
  return { kind: 'done', success: error === null, outputRef: null, error };
}

async function runWorkflowShell(
  spec: TaskSpec,
  id: TaskIdentity,
  cmd: string,
  cwd: string | undefined,
  ctx: RunContext,
): Promise<TaskOutcome> {
  const sidecars = await writeSidecars(spec.upstreamRefs);
  try {
    const env = buildTaskEnv(ctx.workerEnv, taskEnvKwarg(spec.kwargs.env), id, sidecars);
    const log = spec.log ?? null;
    const onLine = log ? (stream: 'stdout' | 'stderr', line: string) => log.line(stream, line) : undefined;
    const proc = ShellProcess.start({ cmd, cwd, env, logger: ctx.logger, onLine });
    log?.start();
    let cancelled = false;
    const poller = new CancelPoller({
      baseIntervalS: ctx.cancelPollIntervalS,
      read: () => ctx.backend.index.getCancelRequested(id.workflowId),
      onCancel: () => {
        cancelled = true;
        log?.note("workflow cancel requested: SIGTERM sent to the task's process group");
        ctx.logger.warn(`Workflow ${id.workflowId} cancelled — sending SIGTERM to the task's process group`);
        proc.terminate(ctx.killTimeoutS);
      },
      logger: ctx.logger,
    }).start();
    const onShutdown = () => {
      log?.note('worker stopping: SIGTERM sent to the task; its message goes back to the queue');
      proc.terminate(Math.min(ctx.killTimeoutS, 5));
    };
    ctx.shutdown.addEventListener('abort', onShutdown, { once: true });
    const result = await proc.exited;
    poller.stop();
    const how = { exitCode: result.exitCode, signal: result.signal };
    ctx.shutdown.removeEventListener('abort', onShutdown);
    if (cancelled) return { kind: 'done', success: false, outputRef: null, error: CANCELLED_ERROR, ...how };
    if (ctx.shutdown.aborted) return { kind: 'interrupted' };
    const failure = shellFailureMessage(result);
    const output = await collectOutput({
      outputPath: sidecars.outputPath,
      workflowId: id.workflowId,
      task: id.task,
      outputs: ctx.backend.outputs,
      cwd,
    });
    if (failure !== null)
      return {
        kind: 'done',
        success: false,
        outputRef: output.ok ? output.outputRef : null,
        error: failure,
        ...how,
      };
    if (!output.ok) return { kind: 'done', success: false, outputRef: null, error: output.error, ...how };
    return { kind: 'done', success: true, outputRef: output.outputRef, error: null, ...how };
  } finally {
    await sidecars.cleanup();
  }
}
