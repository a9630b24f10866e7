/** Small builders for engine tests: definitions from a compact spec, and a driver for completions. */
import { WorkflowRuntime, type StepResult } from '../../../src/engine/index.js';
import type { DepPolicy, TaskDefinition, WorkflowDefinition } from '../../../src/model/types.js';

export const T0 = Date.UTC(2026, 10, 25, 22, 30, 0);

export type TaskSpec = Partial<Omit<TaskDefinition, 'name' | 'depends_on'>> & { deps?: string[] };

export function def(
  tasks: Record<string, TaskSpec>,
  opts: Partial<Omit<WorkflowDefinition, 'tasks'>> = {},
): WorkflowDefinition {
  return {
    name: opts.name ?? 'wf',
    default_queue: opts.default_queue ?? 'default',
    default_task_timeout_s: opts.default_task_timeout_s ?? null,
    max_parallelism: opts.max_parallelism ?? null,
    result_policy: opts.result_policy ?? 'all_sinks_succeed',
    tasks: Object.entries(tasks).map(([name, t]) => ({
      name,
      kwargs: t.kwargs ?? { cmd: `echo ${name}` },
      depends_on: t.deps ?? [],
      queue: t.queue ?? null,
      dep_policy: (t.dep_policy ?? 'all') as DepPolicy,
      timeout_s: t.timeout_s ?? null,
      num_retries: t.num_retries ?? 0,
      ...(t.condition ? { condition: t.condition } : {}),
    })),
  };
}

/** A runtime built and activated at T0. */
export function started(d: WorkflowDefinition): { rt: WorkflowRuntime; first: StepResult } {
  const rt = WorkflowRuntime.fromDefinition(d, { workflowId: 'wf1', now: T0 });
  const first = rt.activate(T0);
  return { rt, first };
}

/** Complete a running task at its current attempt. */
export function ok(
  rt: WorkflowRuntime,
  task: string,
  outputRef: string | null = null,
  now = T0 + 1000,
): StepResult {
  return rt.applyCompletion(
    { task, success: true, outputRef, error: null, attemptNo: rt.taskAttempt(task) },
    now,
  );
}

/** Fail a running task at its current attempt. */
export function fail(
  rt: WorkflowRuntime,
  task: string,
  error: string | null = 'boom',
  now = T0 + 1000,
): StepResult {
  return rt.applyCompletion(
    { task, success: false, outputRef: null, error, attemptNo: rt.taskAttempt(task) },
    now,
  );
}

export const names = (r: StepResult): string[] => r.dispatch.map((d) => d.task);
