/**
 * `/api/workflows/:id/tasks/:name/log`: the stored log of a task's attempt. Workers' log storage is
 * issue 18's other half (`jobq workflow logs`); until its read API is in this build, the endpoint says
 * so instead of pretending.
 */
import type { WorkflowClient } from '../client/workflow-client.js';
import { WorkflowNotFoundError } from '../errors.js';
import type { WorkflowCache } from './workflow-cache.js';

/** The log document of one attempt (latest when `attempt` is null). */
export async function taskLog(
  _client: WorkflowClient,
  cache: WorkflowCache,
  id: string,
  name: string,
  attempt: number | null,
) {
  const e = await cache.get(id);
  const rt = e.snapshot!.rt;
  if (!rt.hasTask(name)) throw new WorkflowNotFoundError(`task ${name} not found in workflow ${id}`);
  const latest = rt.taskAttempt(name);
  return {
    workflow_id: id,
    name,
    attempt: attempt ?? latest,
    available: false,
    reason: 'logs not available: this build has no stored task logs',
    text: null,
  };
}
