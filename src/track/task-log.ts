/**
 * `/api/workflows/:id/tasks/:name/log?attempt=N`: the stored log of one attempt of a task (latest by
 * default), read through the same `readTaskLog` as `jobq workflow logs`, or the one-line reason why
 * there is none (never ran, not yet written, a worker that stores no logs, …).
 */
import type { WorkflowClient } from '../client/workflow-client.js';
import { WorkflowNotFoundError } from '../errors.js';
import type { WorkflowCache } from './workflow-cache.js';

/** Lines of a log the panel shows at most (the newest; the stored log is bounded anyway). */
export const LOG_PANEL_MAX_CHARS = 256 * 1024;

/** The log document of one attempt (latest when `attempt` is null). */
export async function taskLog(
  client: WorkflowClient,
  cache: WorkflowCache,
  id: string,
  name: string,
  attempt: number | null,
) {
  const { readTaskLog } = await import('../client/logs.js');
  const e = await cache.get(id);
  const rt = e.snapshot!.rt;
  if (!rt.hasTask(name)) throw new WorkflowNotFoundError(`task ${name} not found in workflow ${id}`);
  const answer = await readTaskLog(client.backend, id, name, {
    runtime: rt,
    ...(attempt !== null ? { attempt } : {}),
  });
  if (answer.kind === 'missing') {
    return {
      workflow_id: id,
      name,
      attempt: answer.attempt,
      available: false,
      reason: answer.message,
      reason_code: answer.reason,
      text: null,
    };
  }
  const cut = answer.text.length > LOG_PANEL_MAX_CHARS;
  return {
    workflow_id: id,
    name,
    attempt: answer.attempt,
    stored_attempts: answer.storedAttempts,
    available: true,
    live: answer.live,
    truncated: answer.truncated || cut,
    exit_code: answer.header.exit_code,
    worker: answer.header.worker,
    updated_at: answer.header.updated_at,
    text: cut ? answer.text.slice(answer.text.length - LOG_PANEL_MAX_CHARS) : answer.text,
  };
}
