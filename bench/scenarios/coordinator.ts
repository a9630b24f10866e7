/**
 * `coordinator`: completions/s of the coordinator against the raw Azurite receive+delete drain measured
 * in the same run, at the same depth, on the same Azurite process (interleaved: ceiling, coordinator,
 * ceiling, …, each on a fresh queue and prefix), plus the same shape on memory adapters and many small
 * workflows at once. Azurite runs in disk mode (`--location` in a temp dir): in-memory mode freezes for
 * seconds during its queue-extent GC once a few thousand messages were consumed (azurite-limits.md §7).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type EmbeddedAzurite } from '../../src/azurite/embedded.js';
import { openAzureBackend } from '../../src/adapters/azure/open.js';
import { openMemoryBackend } from '../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../src/adapters/memory/world.js';
import { Coordinator } from '../../src/coordinator/index.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../src/config/defaults.js';
import type { CoordinatorSettings, Target } from '../../src/config/types.js';
import type { Backend } from '../../src/ports/backend.js';
import { silentLogger } from '../../src/log.js';
import { WorkflowClient } from '../../src/client/workflow-client.js';
import { parseDefinition } from '../../src/model/load.js';
import { decodeTaskMessage } from '../../src/wire/task-message.js';
import { encodeCompletionMessage } from '../../src/wire/completion-message.js';
import type { BenchContext, BenchScenario } from '../lib/report.js';
import { measureDrain, warmUpAzurite } from '../lib/ceilings.js';
import {
  fanOutFanIn,
  prefillCompletions,
  storeRunningWorkflow,
} from '../../test/integration/coordinator/seed.js';

const SETTINGS: CoordinatorSettings = { ...DEFAULT_COORDINATOR_SETTINGS, statsLogIntervalS: 3600 };
/** The raw drain deletes with the coordinator's ack concurrency, so both send the same request shape. */
const DRAIN_DELETE_CONCURRENCY = SETTINGS.ackConcurrency;
let prefixSeq = 0;

/** Kind of an Azure Storage request, from its method and path (for the per-completion request mix). */
function requestKind(method: string, path: string): string {
  if (path.includes('/messages')) {
    if (method === 'GET') return 'receive';
    if (method === 'DELETE') return 'delete';
    if (method === 'POST') return 'send';
  }
  if (path.includes('comp=lease')) return 'lease';
  if (method === 'PUT' && path.includes('.state.bin')) return 'state_flush';
  if (method === 'GET' && path.includes('.bin')) return 'blob_read';
  if (path.includes('WorkflowsIndex')) return method === 'GET' ? 'index_read' : 'index_write';
  return 'other';
}

/**
 * Counts every HTTP request this process sends (the SDKs use node:http), by kind, while enabled: the
 * coordinator's request mix during a drain, compared with the raw drain's 1 receive per 32 + 1 delete.
 */
class RequestCounter {
  readonly counts = new Map<string, number>();
  private readonly onRequest = (msg: unknown): void => {
    const req = (msg as { request: ClientRequest }).request;
    const kind = requestKind(req.method, req.path);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  };

  start(): this {
    subscribe('http.client.request.start', this.onRequest);
    return this;
  }

  stop(): Record<string, number> {
    unsubscribe('http.client.request.start', this.onRequest);
    return Object.fromEntries([...this.counts].sort((a, b) => b[1] - a[1]));
  }
}

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

function target(az: EmbeddedAzurite): Target {
  const account = {
    kind: 'azurite' as const,
    account: 'devstoreaccount1' as const,
    host: az.host,
    blobPort: az.ports.blob,
    queuePort: az.ports.queue,
    tablePort: az.ports.table,
  };
  return {
    storage: account,
    prefix: `Bench${process.pid}x${prefixSeq++}`,
    queues: { kind: 'storage', account },
    blobs: { account, container: 'bench-files' },
  };
}

/** Poll `check` until true or the deadline; `pollMs` 0 polls every macrotask (for runs of a few ms). */
async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  pollMs = 5,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => (pollMs > 0 ? setTimeout(r, pollMs) : setImmediate(r)));
  }
  return true;
}

/** Complete every task message that appears (a minimal worker), until stopped. */
function simulateWorkers(backend: Backend): { stop(): Promise<void> } {
  let stopping = false;
  const q = backend.queues.get('default');
  const loop = (async () => {
    await q.ensure();
    while (!stopping) {
      const msgs = await q.receive(32, 60).catch(() => []);
      if (msgs.length === 0) await new Promise((r) => setTimeout(r, 10));
      await Promise.all(
        msgs.map(async (m) => {
          const t = decodeTaskMessage(m.body);
          if (t.kind === 'workflow') {
            await backend.completions.send(
              encodeCompletionMessage({
                workflowId: t.workflowId,
                task: t.task,
                success: true,
                outputRef: null,
                error: null,
                attemptNo: t.attemptNo,
              }),
            );
          }
          await q.delete(m);
        }),
      );
    }
  })();
  return { stop: async () => ((stopping = true), await loop) };
}

interface CoordinatorRun {
  perS: number;
  seconds: number;
  batches: number;
  flushes: number;
  conflicts: number;
  duplicates: number;
  sinkCompleted: boolean;
  /** Requests sent while the prefilled completions drained (Azure backends only). */
  requests: Record<string, number>;
}

/** Seed the fan-out/fan-in shape with its leaves RUNNING, prefill their completions, time the coordinator. */
async function coordinatorRun(
  backend: Backend,
  leaves: number,
  opts: { completeSink: boolean; timeoutMs: number; pollMs?: number },
): Promise<CoordinatorRun> {
  await backend.ensureResources();
  const tasks = await storeRunningWorkflow(backend, fanOutFanIn(leaves), 'wf-bench');
  await prefillCompletions(backend, 'wf-bench', tasks);
  const c = new Coordinator({ backend, settings: SETTINGS, logger: silentLogger() });
  await c.start();
  const counter = new RequestCounter().start();
  const started = performance.now();
  await until(() => c.stats().completions_handled >= leaves, opts.timeoutMs, opts.pollMs);
  const seconds = (performance.now() - started) / 1000;
  const requests = counter.stop();
  const handled = Math.min(leaves, c.stats().completions_handled);
  let sinkCompleted = false;
  if (opts.completeSink) {
    const workers = simulateWorkers(backend);
    sinkCompleted = await until(
      async () =>
        (await backend.state.load('wf-bench').then((w) => w?.state?.workflow_state)) === 'completed',
      60_000,
    );
    await workers.stop();
  }
  await c.stop();
  const s = c.stats();
  return {
    perS: handled / seconds,
    seconds,
    batches: s.batches,
    flushes: s.flushes,
    conflicts: s.flush_conflicts,
    duplicates: s.duplicate_completions + s.stale_completions,
    sinkCompleted,
    requests,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Interleave raw drain and coordinator runs at `depth` on one Azurite; report the means and their ratio. */
async function ratioFigure(
  ctx: BenchContext,
  metric: string,
  depth: number,
  rounds: number,
  targetRatio: number,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jobq-bench-coord-'));
  const az = await startAzurite({ location: dir, startTimeoutMs: 120_000 });
  try {
    await warmUpAzurite(az.connectionString);
    const ceilings: number[] = [];
    const runs: CoordinatorRun[] = [];
    const drainOnce = async () => {
      const drain = await measureDrain({
        connectionString: az.connectionString,
        depth,
        deleteConcurrency: DRAIN_DELETE_CONCURRENCY,
        maxDurationMs: 120_000,
      });
      ceilings.push(drain.perS);
      ctx.log(`${metric}: raw drain ${drain.perS.toFixed(0)}/s at depth ${depth}`);
    };
    for (let r = 0; r < rounds; r++) {
      await drainOnce();
      const backend = await openAzureBackend(target(az));
      try {
        const run = await coordinatorRun(backend, depth, { completeSink: true, timeoutMs: 240_000 });
        runs.push(run);
        ctx.log(
          `${metric}: coordinator ${run.perS.toFixed(0)}/s (${run.batches} batches, ${run.flushes} flushes, ${(total(run.requests) / depth).toFixed(3)} requests/completion ${JSON.stringify(run.requests)}, sink ${run.sinkCompleted ? 'completed' : 'NOT completed'})`,
        );
      } finally {
        await backend.close();
      }
    }
    // One more drain after the last coordinator run: every coordinator run then sits between two
    // ceiling measurements, so a drift of the shared Azurite over the run does not bias the ratio.
    await drainOnce();
    const ceiling = mean(ceilings);
    const value = mean(runs.map((r) => r.perS));
    ctx.emit({
      metric,
      value,
      unit: '1/s',
      target: targetRatio,
      higher_is_better: true,
      ceiling,
      ratio: value / ceiling,
      settings: {
        shape: `1 root + ${depth} leaves + 1 sink, ${depth} completions prefilled`,
        azurite:
          'disk mode (--location), one process for ceiling and coordinator, interleaved: drain, coordinator, …, drain',
        rounds,
        ceiling_runs: ceilings.map((x) => Math.round(x)),
        coordinator_runs: runs.map((r) => Math.round(r.perS)),
        flushes: runs.map((r) => r.flushes),
        batches: runs.map((r) => r.batches),
        cas_conflicts: runs.map((r) => r.conflicts),
        duplicate_or_stale_completions: runs.map((r) => r.duplicates),
        sink_completed: runs.every((r) => r.sinkCompleted),
        requests_per_completion: runs.map((r) => Number((total(r.requests) / depth).toFixed(3))),
        raw_drain_requests_per_completion: Number((1 + 1 / 32).toFixed(3)),
        requests: runs.map((r) => r.requests),
        batch_size: SETTINGS.batchSize,
        ack_concurrency: SETTINGS.ackConcurrency,
        raw_drain_delete_concurrency: DRAIN_DELETE_CONCURRENCY,
      },
    });
  } finally {
    await az.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Untimed runs first: a coordinator is a long-running daemon, so its steady state (JIT-compiled) counts. */
const MEMORY_WARMUP_RUNS = 5;

async function memoryFigure(ctx: BenchContext): Promise<void> {
  for (let r = 0; r < MEMORY_WARMUP_RUNS; r++) {
    const backend = openMemoryBackend(createMemoryWorld(), 'BenchMemWarm');
    await coordinatorRun(backend, 998, { completeSink: false, timeoutMs: 60_000, pollMs: 0 });
  }
  const rates: number[] = [];
  for (let r = 0; r < (ctx.quick ? 3 : 7); r++) {
    const backend = openMemoryBackend(createMemoryWorld(), 'BenchMem');
    const run = await coordinatorRun(backend, 998, { completeSink: false, timeoutMs: 60_000, pollMs: 0 });
    rates.push(run.perS);
  }
  const sorted = [...rates].sort((a, b) => a - b);
  ctx.emit({
    metric: 'memory_ref_shape_completions_per_s',
    value: sorted[Math.floor(sorted.length / 2)],
    unit: '1/s',
    target: 50_000,
    higher_is_better: true,
    settings: {
      shape: '1 root + 998 leaves + 1 sink',
      adapters: 'memory',
      runs: rates.map(Math.round),
      statistic: 'median',
      warmup_runs: MEMORY_WARMUP_RUNS,
      timing: 'from start() returning until every completion is acked (polled every macrotask)',
    },
  });
}

/**
 * All 1,000 workflows are submitted at once; admission runs at most 64 of them at a time. Unlimited
 * admission dispatches every workflow's work at once, and the thousands of messages that then wait in
 * the account make every Azurite queue call scan them (research/azurite-limits.md: 13.5 completions/s
 * beside 20,000 queued messages): measured 11 completions/s, 0.07 × the drain, not finishing in 300 s.
 */
const MANY_MAX_RUNNING = 64;
const MANY_SETTINGS: CoordinatorSettings = { ...SETTINGS, maxRunningWorkflows: MANY_MAX_RUNNING };

function diamond(i: number): unknown {
  const mid = Array.from({ length: 8 }, (_, k) => ({ name: `m${k}`, depends_on: ['top'] }));
  return {
    name: `diamond-${i}`,
    tasks: [{ name: 'top', depends_on: [] }, ...mid, { name: 'bottom', depends_on: mid.map((m) => m.name) }],
  };
}

async function manyWorkflowsFigure(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 100 : 1000;
  const dir = mkdtempSync(join(tmpdir(), 'jobq-bench-many-'));
  const az = await startAzurite({ location: dir, startTimeoutMs: 120_000 });
  try {
    await warmUpAzurite(az.connectionString);
    const drain = await measureDrain({
      connectionString: az.connectionString,
      depth: 1000,
      deleteConcurrency: DRAIN_DELETE_CONCURRENCY,
      maxDurationMs: 60_000,
    });
    const backend = await openAzureBackend(target(az));
    try {
      const client = new WorkflowClient({ backend });
      await client.ensureResources();
      const defs = Array.from({ length: count }, (_, i) =>
        client.prepare(parseDefinition(diamond(i), 'bench')),
      );
      await client.submitBatch(
        defs.map((prepared, i) => ({ source: `d${i}`, prepared })),
        { concurrency: 16 },
      );
      const workers = simulateWorkers(backend);
      const c = new Coordinator({ backend, settings: MANY_SETTINGS, logger: silentLogger() });
      await c.start();
      const started = performance.now();
      const total = count * 10;
      const ok = await until(() => c.stats().completions_handled >= total, 300_000);
      const seconds = (performance.now() - started) / 1000;
      await workers.stop();
      await c.stop();
      const s = c.stats();
      const value = Math.min(total, s.completions_handled) / seconds;
      ctx.log(
        `many workflows: ${value.toFixed(0)} completions/s, ${s.flushes} flushes over ${s.batches} batches, ${s.flush_conflicts} conflicts${ok ? '' : ' (TIMED OUT)'}`,
      );
      ctx.emit({
        metric: 'azurite_many_workflows_completions_per_s',
        value,
        unit: '1/s',
        target: null,
        higher_is_better: true,
        ceiling: drain.perS,
        ratio: value / drain.perS,
        settings: {
          workflows: count,
          tasks_per_workflow: 10,
          finished: ok,
          flushes: s.flushes,
          batches: s.batches,
          flushes_per_batch: Number((s.flushes / Math.max(1, s.batches)).toFixed(2)),
          cas_conflicts: s.flush_conflicts,
          cache_max_workflows: MANY_SETTINGS.cacheMaxWorkflows,
          max_running_workflows: MANY_SETTINGS.maxRunningWorkflows,
          submitted: 'all at once, before the coordinator starts',
          elapsed_s: Number(seconds.toFixed(1)),
          ceiling:
            'raw receive+delete drain at depth 1000 on the same Azurite (the coordinator keeps the backlog below that)',
          azurite: 'disk mode (--location)',
          workers: 'simulated in the bench process (receive 32, complete, delete)',
        },
      });
    } finally {
      await backend.close();
    }
  } finally {
    await az.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const scenario: BenchScenario = {
  name: 'coordinator',
  description:
    'coordinator completions/s vs raw Azurite drain (ref shape, 5k leaves), memory adapters, 1,000 diamonds',
  async run(ctx) {
    // JOBQ_BENCH_COORDINATOR_ONLY=memory,ref,5k,many runs a subset (default: all four).
    const only = process.env.JOBQ_BENCH_COORDINATOR_ONLY?.split(',').map((x) => x.trim());
    const wanted = (name: string) => !only || only.includes(name);
    if (wanted('memory')) await memoryFigure(ctx);
    if (wanted('ref'))
      await ratioFigure(ctx, 'azurite_ref_shape_completions_per_s', 998, ctx.quick ? 1 : 3, 0.95);
    if (wanted('5k')) await ratioFigure(ctx, 'azurite_5k_leaves_completions_per_s', 5000, 1, 0.9);
    if (wanted('many')) await manyWorkflowsFigure(ctx);
  },
};
