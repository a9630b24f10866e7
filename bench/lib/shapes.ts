/** Workflow shapes the end-to-end benchmarks submit (noop tasks: the cost measured is jobq's). */
import type { TaskDefinition, WorkflowDefinition } from '../../src/model/types.js';

export const BENCH_QUEUE = 'bench-tasks';

function task(name: string, depends_on: string[] = [], kwargs: Record<string, unknown> = {}): TaskDefinition {
  return { name, kwargs, depends_on, queue: null, dep_policy: 'all', timeout_s: null, num_retries: 0 };
}

function workflow(
  name: string,
  tasks: TaskDefinition[],
  maxParallelism: number | null = null,
): WorkflowDefinition {
  return {
    name,
    tasks,
    default_queue: BENCH_QUEUE,
    default_task_timeout_s: null,
    max_parallelism: maxParallelism,
    result_policy: 'all_sinks_succeed',
  };
}

/** 1 root, `total - 2` leaves, 1 sink: `total` tasks. */
export function fanOutFanIn(total: number, maxParallelism: number | null = null): WorkflowDefinition {
  const leaves = Array.from({ length: total - 2 }, (_, i) => `leaf-${i}`);
  return workflow(
    `fanout-fanin-${total}`,
    [task('root'), ...leaves.map((l) => task(l, ['root'])), task('sink', leaves)],
    maxParallelism,
  );
}

/** `waves` barrier layers of `width` tasks; every task of a layer depends on the whole previous layer. */
export function barrierWaves(waves: number, width: number): WorkflowDefinition {
  const tasks: TaskDefinition[] = [];
  let previous: string[] = [];
  for (let w = 0; w < waves; w++) {
    const layer = Array.from({ length: width }, (_, i) => `w${w}-t${i}`);
    tasks.push(...layer.map((n) => task(n, previous)));
    previous = layer;
  }
  return workflow(`waves-${waves}x${width}`, tasks);
}

/** A `size`-task diamond: 1 head, `size - 2` middles, 1 tail. */
export function diamond(index: number, size = 10): WorkflowDefinition {
  const middles = Array.from({ length: size - 2 }, (_, i) => `mid-${i}`);
  return workflow(`diamond-${index}`, [
    task('head'),
    ...middles.map((m) => task(m, ['head'])),
    task('tail', middles),
  ]);
}
