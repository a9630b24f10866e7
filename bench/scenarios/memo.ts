/**
 * `memo`: the time a cache hit saves on a 1,000-task re-run (issue 19, `cache:`), as a user runs jobq —
 * one `jobq workflow coordinator` and one `jobq worker QUEUE` as child processes (bin/jobq.js, default
 * settings but the worker's `--concurrency`), each workflow submitted by a `jobq workflow submit FILE`
 * child process, on a disk-mode Azurite.
 *
 * The workflow: 10 groups of `root_g → 98 leaves → join_g` (1,000 tasks, all `cache: true`). Every task
 * appends its name to an executions file (so executions are counted on the tasks' own side), sleeps
 * 50 ms and writes an output that carries its inputs on (leaves copy their upstream refs), so a changed
 * root changes every key below it. First run (every key a miss) records 1,000 entries; then, per round,
 * one root's input changes and the workflow is re-run three ways, each timed from the submit process's
 * spawn to the workflow's terminal index row (polled every 50 ms):
 *
 * * **cached**: `submit FILE` — only the changed group (100 tasks) should execute, 900 are hits;
 * * **no cache**: `submit FILE --no-cache` — all 1,000 execute;
 * * **sub-graph only** (the floor): a plain 100-task workflow of just the changed group, no `cache:`.
 *
 * `rerun_1000_saved_s` = no-cache wall − cached wall (median over rounds); the scenario fails if any run
 * executes a different number of tasks than expected.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type AzuritePorts } from '../../src/azurite/embedded.js';
import { openAzureBackend } from '../../src/adapters/azure/open.js';
import { WorkflowClient } from '../../src/client/workflow-client.js';
import { isTerminalWorkflowState } from '../../src/engine/states.js';
import type { Backend } from '../../src/ports/backend.js';
import type { BenchContext, BenchScenario } from '../lib/report.js';
import { azuriteTarget } from '../lib/target.js';
import { logRecord, pollUntil, requireBuiltCli, startJobq, type JobqProcess } from '../lib/jobq-process.js';
import { cpuSecondsOf } from '../lib/proc.js';

const QUEUE = 'bench-memo';
const GROUPS = 10;
const LEAVES = 98;
const TASKS = GROUPS * (LEAVES + 2);
const SUBGRAPH = LEAVES + 2;
const WORKER_CONCURRENCY = 4;
const TASK_SLEEP_S = 0.05;

interface TaskDoc {
  name: string;
  depends_on?: string[];
  cache?: true;
  kwargs: { cmd: string };
}

/** The shell command of a task: record the execution, do a little work, write the output. */
function cmd(log: string, output: string): string {
  return `echo "$JOBQ_WORKFLOW_TASK" >> ${log} && sleep ${TASK_SLEEP_S} && ${output} > "$JOBQ_OUTPUT_FILE"`;
}

/** One group: its root's output carries `input`, each leaf carries its upstream refs on, the join sums up. */
function group(g: number, input: string, log: string, cache: boolean): TaskDoc[] {
  const c = cache ? { cache: true as const } : {};
  const root: TaskDoc = {
    name: `root_${g}`,
    ...c,
    kwargs: { cmd: cmd(log, `echo '{"group": ${g}, "input": "${input}"}'`) },
  };
  const leaves: TaskDoc[] = Array.from({ length: LEAVES }, (_, j) => ({
    name: `leaf_${g}_${j}`,
    depends_on: [root.name],
    ...c,
    kwargs: { cmd: cmd(log, 'cat "$JOBQ_WORKFLOW_UPSTREAM_REFS"') },
  }));
  const join: TaskDoc = {
    name: `join_${g}`,
    depends_on: leaves.map((l) => l.name),
    ...c,
    kwargs: { cmd: cmd(log, `echo '{"group": ${g}, "leaves": ${LEAVES}}'`) },
  };
  return [root, ...leaves, join];
}

/** The 1,000-task workflow with `inputs[g]` as root g's input. */
function workflow(inputs: string[], log: string): unknown {
  return {
    name: 'memo-bench',
    default_queue: QUEUE,
    tasks: inputs.flatMap((input, g) => group(g, input, log, true)),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round2 = (x: number) => Math.round(x * 100) / 100;

interface Timed {
  workflowId: string;
  wallS: number;
  /** Submit spawned → the first task of this workflow started (the worker's `task started` line). */
  firstStartS: number | null;
  executions: number;
  coordinatorCpuS: number;
  workerCpuS: number;
}

class MemoBench {
  private readonly logFile: string;
  private seen = 0;
  /** Epoch ms of the first `task started` line of each workflow. */
  private readonly firstStart = new Map<string, number>();

  constructor(
    private readonly dir: string,
    private readonly ports: AzuritePorts,
    private readonly env: Record<string, string>,
    private readonly backend: Backend,
    private readonly coordinator: JobqProcess,
    private readonly worker: JobqProcess,
  ) {
    this.logFile = join(dir, 'executions.log');
    worker.onLine((line) => {
      const rec = logRecord(line);
      const wf = rec?.workflowId;
      if (rec?.msg === 'task started' && typeof wf === 'string' && !this.firstStart.has(wf))
        this.firstStart.set(wf, rec.time);
    });
  }

  get log(): string {
    return this.logFile;
  }

  /** Lines appended to the executions file since the last call. */
  private newExecutions(): number {
    const all = existsSync(this.logFile)
      ? readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean)
      : [];
    const n = all.length - this.seen;
    this.seen = all.length;
    return n;
  }

  /** `jobq workflow submit FILE [flags]` as a child process, then wait for the workflow's terminal index row. */
  async run(label: string, doc: unknown, flags: string[] = []): Promise<Timed> {
    const file = join(this.dir, `${label}.json`);
    writeFileSync(file, JSON.stringify(doc));
    this.newExecutions();
    const cpu0 = [cpuSecondsOf(this.coordinator.pid) ?? 0, cpuSecondsOf(this.worker.pid) ?? 0];
    const t0 = performance.now();
    const t0Epoch = Date.now();
    const submit = startJobq(['workflow', 'submit', file, ...flags], { ports: this.ports, env: this.env });
    let out = '';
    submit.onLine((line) => (out += `${line}\n`));
    const code = await submit.exited;
    const workflowId = /\b([0-9a-f]{32})\b/.exec(out)?.[1];
    if (code !== 0 || !workflowId) throw new Error(`bench memo: submit ${label} failed (${code}):\n${out}`);
    const state = await pollUntil(
      `${label} (${workflowId}) to finish`,
      async () => {
        const row = await this.backend.index.get(workflowId);
        return row && isTerminalWorkflowState(row.workflowState) ? row.workflowState : undefined;
      },
      { timeoutMs: 600_000, intervalMs: 50 },
    );
    const wallS = (performance.now() - t0) / 1000;
    if (state !== 'completed')
      throw new Error(
        `bench memo: ${label} ended ${state}:\n${this.worker.tail()}\n${this.coordinator.tail()}`,
      );
    const cpu1 = [cpuSecondsOf(this.coordinator.pid) ?? 0, cpuSecondsOf(this.worker.pid) ?? 0];
    const first = this.firstStart.get(workflowId);
    return {
      workflowId,
      wallS,
      firstStartS: first === undefined ? null : round2((first - t0Epoch) / 1000),
      executions: this.newExecutions(),
      coordinatorCpuS: cpu1[0] - cpu0[0],
      workerCpuS: cpu1[1] - cpu0[1],
    };
  }

  /** Wait until the cache holds `n` entries (results are recorded in the background after completions). */
  async cacheEntries(n: number): Promise<number> {
    let have = 0;
    return pollUntil(
      `${n} cache entries`,
      async () => {
        have = (await this.backend.cache.list()).length;
        return have >= n ? have : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)} (${have} recorded):\n${this.coordinator.tail()}`);
    });
  }

  /** Tasks of a workflow completed from the cache (the state's cached source marks). */
  async hits(workflowId: string): Promise<number> {
    const client = new WorkflowClient({ backend: this.backend });
    const st = await client.status(workflowId);
    return (st.tasks ?? []).filter((t) => t.cached_from !== undefined).length;
  }
}

function expectExecutions(label: string, got: number, want: number): void {
  if (got !== want) throw new Error(`bench memo: ${label} executed ${got} tasks, expected ${want}`);
}

async function run(ctx: BenchContext): Promise<void> {
  requireBuiltCli();
  const dir = mkdtempSync(join(tmpdir(), 'jobq-bench-memo-'));
  const az = await startAzurite({ location: join(dir, 'azurite'), startTimeoutMs: 120_000 });
  const prefix = `Memo${randomBytes(4).toString('hex')}`;
  const backend = await openAzureBackend(azuriteTarget(az.ports, prefix));
  const procs: JobqProcess[] = [];
  try {
    await new WorkflowClient({ backend }).ensureResources();
    const env = { JOBQ_WORKFLOW_PREFIX: `devstoreaccount1/${prefix}` };
    const coordinator = startJobq(['workflow', 'coordinator'], { ports: az.ports, env });
    procs.push(coordinator);
    await coordinator.waitForLine(/coordinator started/, 60_000);
    const worker = startJobq(['worker', QUEUE, '--concurrency', String(WORKER_CONCURRENCY)], {
      ports: az.ports,
      env,
    });
    procs.push(worker);
    await worker.waitForLine(/worker started/, 60_000);
    const bench = new MemoBench(dir, az.ports, env, backend, coordinator, worker);

    const inputs = Array.from({ length: GROUPS }, () => 'A');
    const first = await bench.run('first', workflow(inputs, bench.log));
    expectExecutions('the first run', first.executions, TASKS);
    ctx.log(`first run: ${first.wallS.toFixed(2)} s, ${first.executions} executions`);
    const entries = await bench.cacheEntries(TASKS);
    ctx.log(
      `first run: ${first.wallS.toFixed(2)} s, ${first.executions} executions, ${entries} cache entries`,
    );

    const rounds = ctx.quick ? 1 : 2;
    const cached: Timed[] = [];
    const uncached: Timed[] = [];
    const floors: Timed[] = [];
    const hits: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const g = r % GROUPS;
      inputs[g] = `B${r}`;
      const doc = workflow(inputs, bench.log);
      const c = await bench.run(`cached-${r}`, doc);
      expectExecutions(`cached re-run ${r}`, c.executions, SUBGRAPH);
      hits.push(await bench.hits(c.workflowId));
      const n = await bench.run(`nocache-${r}`, doc, ['--no-cache']);
      expectExecutions(`--no-cache re-run ${r}`, n.executions, TASKS);
      const f = await bench.run(`subgraph-${r}`, {
        name: 'memo-bench-subgraph',
        default_queue: QUEUE,
        tasks: group(g, `C${r}`, bench.log, false),
      });
      expectExecutions(`sub-graph-only run ${r}`, f.executions, SUBGRAPH);
      cached.push(c);
      uncached.push(n);
      floors.push(f);
      ctx.log(
        `round ${r}: cached ${c.wallS.toFixed(2)} s (${c.executions} executions, ${hits[r]} hits), ` +
          `--no-cache ${n.wallS.toFixed(2)} s (${n.executions}), sub-graph only ${f.wallS.toFixed(2)} s`,
      );
    }
    const walls = (xs: Timed[]) => xs.map((x) => round2(x.wallS));
    const cpu = (xs: Timed[]) => xs.map((x) => round2(x.coordinatorCpuS));
    const saved = cached.map((c, i) => uncached[i].wallS - c.wallS);
    const settings = {
      workflow: `${GROUPS} groups of root → ${LEAVES} leaves → join (${TASKS} tasks, all cache: true); each task appends its name to a file, sleeps ${TASK_SLEEP_S} s and writes an output carrying its inputs on`,
      rerun: `one root's input changed per round: ${SUBGRAPH} tasks of its group should execute, ${TASKS - SUBGRAPH} be cache hits`,
      processes: `jobq workflow coordinator + jobq worker QUEUE --concurrency ${WORKER_CONCURRENCY} (node bin/jobq.js, otherwise default settings); each workflow submitted by a jobq workflow submit FILE child process`,
      azurite: 'disk mode (--location)',
      timing: 'submit process spawned → terminal index row (polled every 50 ms)',
      rounds,
      statistic: 'median over rounds',
      first_run_s: round2(first.wallS),
      first_run_executions: first.executions,
      cached_rerun_s: walls(cached),
      nocache_rerun_s: walls(uncached),
      subgraph_only_s: walls(floors),
      executions_cached: cached.map((x) => x.executions),
      executions_nocache: uncached.map((x) => x.executions),
      cache_hits: hits,
      first_task_started_s_cached: cached.map((x) => x.firstStartS),
      first_task_started_s_subgraph_only: floors.map((x) => x.firstStartS),
      coordinator_cpu_s_cached: cpu(cached),
      coordinator_cpu_s_nocache: cpu(uncached),
      coordinator_cpu_s_first_run: round2(first.coordinatorCpuS),
    };
    ctx.emit({
      metric: 'rerun_1000_saved_s',
      value: round2(median(saved)),
      unit: 's',
      target: null,
      higher_is_better: true,
      settings,
    });
    ctx.emit({
      metric: 'rerun_1000_cached_s',
      value: round2(median(cached.map((x) => x.wallS))),
      unit: 's',
      target: null,
      higher_is_better: false,
      // The floor: the changed sub-graph alone, as a plain workflow, in the same run.
      ceiling: round2(median(floors.map((x) => x.wallS))),
      ratio: round2(median(cached.map((c, i) => c.wallS / floors[i].wallS))),
      settings: { ...settings, ceiling: `the ${SUBGRAPH}-task changed sub-graph alone, no cache: fields` },
    });
    ctx.emit({
      metric: 'rerun_1000_nocache_s',
      value: round2(median(uncached.map((x) => x.wallS))),
      unit: 's',
      target: null,
      higher_is_better: false,
      settings,
    });
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await backend.close();
    await az.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const scenario: BenchScenario = {
  name: 'memo',
  description: 'time a cache hit saves on a 1,000-task re-run with one changed root, jobq processes',
  run,
};
