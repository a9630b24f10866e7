/** Memory-backed client fixtures for pure client tests. */
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { decodeCoordinatorMessage } from '../../../src/wire/control-message.js';
import type { Backend } from '../../../src/ports/backend.js';
import type { TaskDefinition, WorkflowDefinition } from '../../../src/model/types.js';

export function memoryClient(now: () => number = Date.now): { client: WorkflowClient; backend: Backend } {
  const backend = openMemoryBackend(createMemoryWorld(), 'Unit');
  return { client: new WorkflowClient({ backend, now }), backend };
}

export function task(
  name: string,
  depends_on: string[] = [],
  over: Partial<TaskDefinition> = {},
): TaskDefinition {
  return {
    name,
    kwargs: { cmd: `echo ${name}` },
    depends_on,
    queue: null,
    dep_policy: 'all',
    timeout_s: null,
    num_retries: 0,
    ...over,
  };
}

export function definition(
  tasks: TaskDefinition[],
  over: Partial<WorkflowDefinition> = {},
): WorkflowDefinition {
  return {
    name: 'unit',
    tasks,
    default_queue: 'default',
    default_task_timeout_s: null,
    max_parallelism: null,
    result_policy: 'all_sinks_succeed',
    ...over,
  };
}

/** Drain the completion queue and decode every control message on it. */
export async function controlMessages(backend: Backend): Promise<{ type: string; workflowId: string }[]> {
  const out: { type: string; workflowId: string }[] = [];
  for (;;) {
    const batch = await backend.completions.receive(32, 30);
    if (batch.length === 0) return out;
    for (const m of batch) {
      const d = decodeCoordinatorMessage(m.body);
      if (d.kind === 'control') out.push({ type: d.control.type, workflowId: d.control.workflowId });
      await backend.completions.delete(m);
    }
  }
}
