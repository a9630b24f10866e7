/**
 * Seeding helpers shared by coordinator tests and the coordinator benchmark (no vitest imports): store a
 * workflow whose leaves are already RUNNING and prefill their completions on the completion queue.
 */
import type { Backend } from '../../../src/ports/backend.js';
import type { WorkflowDefinition } from '../../../src/model/types.js';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import { indexColumnsOf } from '../../../src/client/status.js';
import { encodeCompletionMessage } from '../../../src/wire/completion-message.js';
import { parseDefinition } from '../../../src/model/load.js';

/** The reference perf shape: 1 root, `leaves` leaves, 1 sink over all leaves. */
export function fanOutFanIn(leaves: number, name = 'perf', defaultQueue = 'default'): WorkflowDefinition {
  const tasks: Record<string, unknown>[] = [{ name: 'root', depends_on: [] }];
  for (let i = 0; i < leaves; i++) tasks.push({ name: `leaf${i}`, depends_on: ['root'] });
  tasks.push({ name: 'sink', depends_on: Array.from({ length: leaves }, (_, i) => `leaf${i}`) });
  return parseDefinition({ name, default_queue: defaultQueue, tasks }, 'seed');
}

/**
 * Store `def` as an admitted workflow with its roots completed and their children RUNNING at attempt 1
 * (as if the coordinator had dispatched them), plus its index row. Returns the children now running.
 */
export async function storeRunningWorkflow(
  backend: Backend,
  def: WorkflowDefinition,
  workflowId: string,
): Promise<string[]> {
  const now = Date.now();
  const rt = WorkflowRuntime.fromDefinition(def, { workflowId, now });
  const roots = rt.activate(now).dispatch.map((d) => d.task);
  const running: string[] = [];
  for (const root of roots) {
    running.push(
      ...rt
        .applyCompletion({ task: root, success: true, outputRef: null, error: null, attemptNo: 1 }, now)
        .dispatch.map((d) => d.task),
    );
  }
  await backend.state.createWorkflow(rt.toDefinitionDoc(), rt.toStateDoc());
  await backend.index.upsert(workflowId, indexColumnsOf(rt));
  return running;
}

/** Put one successful completion per task (attempt 1) on the completion queue, `concurrency` sends at once. */
export async function prefillCompletions(
  backend: Backend,
  workflowId: string,
  tasks: readonly string[],
  concurrency = 16,
): Promise<void> {
  let next = 0;
  const send = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      await backend.completions.send(
        encodeCompletionMessage({
          workflowId,
          task,
          success: true,
          outputRef: null,
          error: null,
          attemptNo: 1,
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, send));
}
