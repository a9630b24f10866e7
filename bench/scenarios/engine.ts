/**
 * Engine figures of DECISIONS §6: completions applied per second (pure, in memory, one core) on a
 * fan-out/fan-in and a chain, memory per task of a 30k-task runtime, and gzip bytes per task of the
 * state document of a 16k-task all-completed workflow.
 */
import { gzipSync } from 'node:zlib';
import type { BenchContext, BenchScenario } from '../lib/report.js';
import { WorkflowRuntime } from '../../src/engine/index.js';
import type { TaskDispatch } from '../../src/engine/index.js';
import type { TaskDefinition, WorkflowDefinition } from '../../src/model/types.js';

const T0 = Date.UTC(2026, 10, 25, 22, 0, 0);

function task(name: string, deps: string[], cmd: string): TaskDefinition {
  return {
    name,
    kwargs: { cmd },
    depends_on: deps,
    queue: null,
    dep_policy: 'all',
    timeout_s: null,
    num_retries: 0,
  };
}

function workflow(tasks: TaskDefinition[]): WorkflowDefinition {
  return {
    name: 'bench',
    tasks,
    default_queue: 'default',
    default_task_timeout_s: null,
    max_parallelism: null,
    result_policy: 'all_sinks_succeed',
  };
}

/** 1 root → `leaves` leaves → 1 sink. */
export function fanOutFanIn(leaves: number): WorkflowDefinition {
  const names = Array.from({ length: leaves }, (_, i) => `shard-${String(i).padStart(5, '0')}`);
  return workflow([
    task('prepare', [], 'python prepare.py'),
    ...names.map((n, i) => task(n, ['prepare'], `python train.py --shard ${i}`)),
    task('aggregate', names, 'python aggregate.py'),
  ]);
}

/** A chain of `n` tasks. */
export function chain(n: number): WorkflowDefinition {
  const name = (i: number) => `step-${String(i).padStart(5, '0')}`;
  return workflow(
    Array.from({ length: n }, (_, i) => task(name(i), i ? [name(i - 1)] : [], `python step.py ${i}`)),
  );
}

/** Drive a runtime to the end with success completions; returns completions applied and seconds spent. */
function drive(rt: WorkflowRuntime, spacingMs = 0): { completions: number; seconds: number } {
  // Collect construction garbage first: it is not part of what a completion costs.
  (globalThis as { gc?: () => void }).gc?.();
  const pending: TaskDispatch[] = [...rt.activate(T0).dispatch];
  let completions = 0;
  let now = T0;
  const start = process.hrtime.bigint();
  for (let k = 0; k < pending.length; k++) {
    const d = pending[k];
    now += spacingMs;
    const r = rt.applyCompletion(
      { task: d.task, success: true, outputRef: null, error: null, attemptNo: d.attemptNo },
      now,
    );
    completions++;
    for (const x of r.dispatch) pending.push(x);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (rt.state !== 'completed') throw new Error(`workflow ended ${rt.state}`);
  return { completions, seconds };
}

/** Best of `rounds` runs (fresh runtime each; construction not timed). */
function throughput(def: () => WorkflowDefinition, rounds: number): number {
  let best = 0;
  // Round 0 warms the JIT and is not counted.
  for (let r = 0; r <= rounds; r++) {
    const rt = WorkflowRuntime.fromDefinition(def(), { workflowId: 'bench', now: T0 });
    const { completions, seconds } = drive(rt);
    if (r > 0) best = Math.max(best, completions / seconds);
  }
  return best;
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  // Typed-array backing stores live outside the JS heap: count them too.
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Heap delta per task of holding `copies` activated runtimes of `tasks` tasks loaded from def docs. */
function memoryPerTask(tasks: number, copies: number): number {
  const def = WorkflowRuntime.fromDefinition(fanOutFanIn(tasks - 2), {
    workflowId: 'x',
    now: T0,
  }).toDefinitionDoc();
  const json = JSON.stringify(def);
  // Warm up (code, inline caches) with a runtime that stays alive: a discarded one would release its
  // typed-array stores lazily, during the measurement.
  const warm = WorkflowRuntime.fromDocs(JSON.parse(json) as typeof def, null);
  warm.activate(T0);
  const before = heapUsed();
  const runtimes: WorkflowRuntime[] = [];
  for (let k = 0; k < copies; k++) {
    const rt = WorkflowRuntime.fromDocs(JSON.parse(json) as typeof def, null);
    rt.activate(T0);
    runtimes.push(rt);
  }
  const after = heapUsed();
  if ([warm, ...runtimes].some((rt) => rt.state !== 'running')) throw new Error('not running');
  return (after - before) / (tasks * copies);
}

/** Deterministic shuffle (LCG), so every run measures the same document. */
function shuffled<T>(items: T[]): T[] {
  let seed = 42;
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * 16k-task fan-out/fan-in, all completed: the leaves run at once and finish in random order over an
 * hour (so neither names nor timestamps line up), then the sink.
 */
function stateGzipPerTask(tasks: number): { perTask: number; raw: number; gz: number } {
  const rt = WorkflowRuntime.fromDefinition(fanOutFanIn(tasks - 2), { workflowId: 'b'.repeat(32), now: T0 });
  const done = (d: TaskDispatch, now: number) =>
    rt.applyCompletion(
      { task: d.task, success: true, outputRef: null, error: null, attemptNo: d.attemptNo },
      now,
    );
  const root = rt.activate(T0).dispatch[0];
  const leaves = shuffled(done(root, T0 + 5_000).dispatch);
  let now = T0 + 5_000;
  let sink: TaskDispatch[] = [];
  for (const d of leaves) {
    now += Math.floor(7_200_000 / tasks) + (d.task.charCodeAt(d.task.length - 1) % 7) * 113;
    const r = done(d, now);
    if (r.dispatch.length > 0) sink = r.dispatch;
  }
  done(sink[0], now + 60_000);
  if (rt.state !== 'completed') throw new Error(`workflow ended ${rt.state}`);
  const json = JSON.stringify(rt.toStateDoc());
  const gz = gzipSync(json, { level: 1 }).length;
  return { perTask: gz / tasks, raw: json.length, gz };
}

export const scenario: BenchScenario = {
  name: 'engine',
  description: 'pure workflow engine: completions/s, memory per task, state blob size',
  async run(ctx: BenchContext): Promise<void> {
    const rounds = ctx.quick ? 3 : 15;
    const runs: [string, () => WorkflowDefinition, number, number][] = [
      ['fanout_fanin_10k_completions_per_s', () => fanOutFanIn(9_998), 10_000, 500_000],
      ['chain_10k_completions_per_s', () => chain(10_000), 10_000, 500_000],
      ['fanout_fanin_30k_completions_per_s', () => fanOutFanIn(29_998), 30_000, 250_000],
    ];
    for (const [metric, def, tasks, target] of runs) {
      const value = throughput(def, rounds);
      ctx.emit({
        metric,
        value,
        unit: '1/s',
        target,
        higher_is_better: true,
        settings: {
          tasks,
          rounds,
          best_of: rounds,
          outputs: 'null refs',
          timed: 'applyCompletion + dispatch of newly ready',
        },
      });
    }
    const copies = ctx.quick ? 2 : 4;
    const bytes = memoryPerTask(30_000, copies);
    ctx.emit({
      metric: 'memory_bytes_per_task_30k',
      value: bytes,
      unit: 'B',
      target: 150,
      higher_is_better: false,
      settings: {
        tasks: 30_000,
        copies,
        shape: 'fan-out/fan-in, loaded from def doc and activated',
        kwargs: '{"cmd":"python train.py --shard N"}',
      },
    });
    const g = stateGzipPerTask(16_000);
    ctx.emit({
      metric: 'state_gzip_bytes_per_task_16k',
      value: g.perTask,
      unit: 'B',
      target: 40,
      higher_is_better: false,
      settings: {
        tasks: 16_000,
        gzip_level: 1,
        json_bytes: g.raw,
        gzip_bytes: g.gz,
        outputs: 'null refs',
        leaves_finish: 'random order over ~2 h',
      },
    });
  },
};
