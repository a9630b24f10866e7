/**
 * Handling one received task message end to end (reference §6.2): decode, route (poison, plain, merge
 * node, cancelled, run), publish the completion, then settle the message — deleted only after the
 * completion is out, released when publishing gave up or the worker shut down.
 */
import type { QueueClient, ReceivedMessage } from '../ports/queue.js';
import { decodeTaskMessage, type DecodedTask } from '../wire/task-message.js';
import { encodeCompletionMessage } from '../wire/completion-message.js';
import { MessageHeartbeat } from './heartbeat.js';
import { publishCompletion } from './completion-publisher.js';
import { runTask, CANCELLED_ERROR, type RunContext, type TaskOutcome } from './run-task.js';
import type { WorkerStats } from './options.js';
import { AttemptLog, TASK_LOG_DEFAULTS } from './attempt-log.js';
import type { Logger } from '../log.js';

export interface HandlerContext extends RunContext {
  queue: QueueClient;
  /** `<queue>-failed` on the same backend. */
  deadLetter: QueueClient;
  visibilityTimeoutS: number;
  completionSendMaxAttempts: number;
  completionRetryInitialMs: number;
  completionRetryMaxMs: number;
  workerId: string;
  stats: WorkerStats;
}

type WorkflowTask = Extract<DecodedTask, { kind: 'workflow' }>;

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Process one message; never throws (problems are logged and the message is left to reappear). */
export async function handleMessage(msg: ReceivedMessage, ctx: HandlerContext): Promise<void> {
  const heartbeat = new MessageHeartbeat(ctx.queue, msg, ctx.visibilityTimeoutS, ctx.logger).start();
  try {
    const decoded = decodeTaskMessage(msg.body);
    let settle: 'delete' | 'release';
    if (decoded.kind === 'poison') settle = await deadLetterPoison(msg, decoded.reason, ctx);
    else if (decoded.kind === 'plain') settle = await handlePlain(msg, decoded, ctx);
    else settle = await handleWorkflowTask(decoded, ctx);
    const latest = await heartbeat.stop();
    if (settle === 'delete') await ctx.queue.delete(latest);
    else await ctx.queue.release(latest);
  } catch (err) {
    await heartbeat.stop();
    ctx.logger.error(
      { err: errText(err), messageId: msg.id },
      'task message handling failed; it will reappear',
    );
  }
}

async function deadLetterPoison(
  msg: ReceivedMessage,
  reason: string,
  ctx: HandlerContext,
): Promise<'delete'> {
  ctx.logger.warn({ reason, messageId: msg.id }, `undecodable task message moved to ${ctx.deadLetter.spec}`);
  await sendDeadLetter(msg.body, reason, ctx, true);
  return 'delete';
}

/**
 * Poison bodies are wrapped with their reason (they are not envelopes anyway); failed plain tasks keep
 * their original envelope so base-jobq tooling can requeue them verbatim.
 */
async function sendDeadLetter(
  body: string,
  reason: string,
  ctx: HandlerContext,
  wrap: boolean,
): Promise<void> {
  const out = wrap
    ? JSON.stringify({
        reason,
        source_queue: ctx.queue.spec,
        worker_id: ctx.workerId,
        dead_lettered_at: new Date().toISOString(),
        body,
      })
    : body;
  await ctx.deadLetter.ensure();
  await ctx.deadLetter.send(out);
  ctx.stats.deadLettered++;
}

async function handlePlain(
  msg: ReceivedMessage,
  task: Extract<DecodedTask, { kind: 'plain' }>,
  ctx: HandlerContext,
): Promise<'delete' | 'release'> {
  const logger = ctx.logger.child({ messageId: task.id || msg.id });
  const outcome = await runTask(
    { id: null, name: task.id || msg.id, kwargs: task.kwargs, upstreamRefs: {} },
    { ...ctx, logger },
  );
  if (outcome.kind === 'interrupted') return 'release';
  if (outcome.success) {
    ctx.stats.succeeded++;
    logger.info('plain task succeeded');
  } else {
    ctx.stats.failed++;
    logger.warn({ error: outcome.error }, `plain task failed; message moved to ${ctx.deadLetter.spec}`);
    await sendDeadLetter(msg.body, outcome.error ?? 'failed', ctx, false);
  }
  return 'delete';
}

async function handleWorkflowTask(task: WorkflowTask, ctx: HandlerContext): Promise<'delete' | 'release'> {
  const logger = ctx.logger.child({
    workflowId: task.workflowId,
    task: task.task,
    attempt: task.attemptNo ?? '?',
  });
  const started = Date.now();
  const log = attemptLog(task, ctx, logger);
  const outcome = await workflowOutcome(task, { ...ctx, logger }, log);
  if (outcome.kind === 'interrupted') {
    await log?.finish({
      success: null,
      error: 'the worker stopped; the task message went back to the queue',
    });
    logger.info('worker stopping: task interrupted, message returned to the queue');
    return 'release';
  }
  // The final log is written while the completion is published: neither waits for the other.
  const logged = log?.finish(outcome);
  if (outcome.success) ctx.stats.succeeded++;
  else ctx.stats.failed++;
  const body = encodeCompletionMessage({
    workflowId: task.workflowId,
    task: task.task,
    success: outcome.success,
    outputRef: outcome.outputRef,
    error: outcome.error,
    attemptNo: task.attemptNo,
  });
  const published = await publishCompletion(ctx.backend.completions, body, {
    maxAttempts: ctx.completionSendMaxAttempts,
    initialDelayMs: ctx.completionRetryInitialMs,
    maxDelayMs: ctx.completionRetryMaxMs,
    logger,
    signal: ctx.shutdown,
  });
  await logged;
  const durationMs = Date.now() - started;
  if (!published) return 'release';
  ctx.stats.published++;
  if (outcome.success) logger.info({ durationMs }, 'task succeeded; completion published');
  else {
    logger.warn(
      { durationMs, error: outcome.error },
      `Workflow task ${task.workflowId}/${task.task} failed (attempt=${task.attemptNo ?? '?'}); completion published, coordinator decides retry`,
    );
  }
  return 'delete';
}

/** The stored log of this attempt: shell tasks with an attempt number; merge nodes run nothing. */
function attemptLog(task: WorkflowTask, ctx: HandlerContext, logger: Logger): AttemptLog | null {
  if (ctx.processor !== 'shell' || task.kwargs.__batch_merge || task.attemptNo === null) return null;
  return new AttemptLog({
    store: ctx.backend.logs,
    workflowId: task.workflowId,
    task: task.task,
    attempt: task.attemptNo,
    workerId: ctx.workerId,
    settings: ctx.taskLogs ?? TASK_LOG_DEFAULTS,
    logger,
  });
}

async function workflowOutcome(
  task: WorkflowTask,
  ctx: HandlerContext,
  log: AttemptLog | null,
): Promise<TaskOutcome> {
  if (task.kwargs.__batch_merge) {
    // DECISIONS §4.7 / Appendix A #14: merge nodes complete at once, nothing runs.
    ctx.stats.mergeCompleted++;
    return { kind: 'done', success: true, outputRef: null, error: null };
  }
  // noop measures queue throughput: one table read per task would dominate it.
  if (ctx.processor === 'noop')
    return runTask({ id: null, name: task.task, kwargs: task.kwargs, upstreamRefs: {} }, ctx);
  try {
    if (await ctx.backend.index.getCancelRequested(task.workflowId)) {
      ctx.logger.info('workflow cancelled before the task started; not running it');
      log?.note('workflow cancelled before the task started: not run');
      return { kind: 'done', success: false, outputRef: null, error: CANCELLED_ERROR };
    }
  } catch (err) {
    ctx.logger.warn({ err: errText(err) }, 'early cancel check failed; running the task');
  }
  ctx.logger.info('task started');
  return runTask(
    {
      id: { workflowId: task.workflowId, task: task.task, attemptNo: task.attemptNo },
      name: task.task,
      kwargs: task.kwargs,
      upstreamRefs: task.upstreamRefs ?? {},
      log,
    },
    ctx,
  );
}
