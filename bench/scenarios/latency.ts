/**
 * `latency`: how long work waits between tasks, as a user runs jobq — one `jobq workflow coordinator`
 * and one `jobq worker QUEUE` as separate child processes (bin/jobq.js, default settings) on a disk-mode
 * Azurite; the bench submits through the client library and reads each task's start from the worker's
 * own `task started` log line (pino's ms timestamp).
 *
 * * `chain_edge_ms_p50`: a 20-task chain of `true`; an edge is the time from one task's start to the
 *   next one's (run `true`, publish the completion, coordinator receives it and pushes the child, the
 *   worker receives it); the median over every edge of the runs.
 * * `idle_wake_ms`: after both processes have been idle long enough for every poll wait to be at its
 *   cap (computed from the same polling parameters the processes use, plus a random extra of up to two
 *   cap periods, so the submit lands at a random phase), submit a one-task workflow and time submit
 *   call → its task started; the median of several submits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite } from '../../src/azurite/embedded.js';
import { openAzureBackend } from '../../src/adapters/azure/open.js';
import { WorkflowClient } from '../../src/client/workflow-client.js';
import { DEFAULT_COORDINATOR_SETTINGS, WORKER_DEFAULTS } from '../../src/config/defaults.js';
import { coordinatorPolling } from '../../src/coordinator/main-loop.js';
import { workerPolling } from '../../src/worker/worker.js';
import {
  IdleBackoff,
  WORKER_GRID_OFFSET_MS,
  WORKER_GRID_SPREAD_MS,
  msUntilCap,
} from '../../src/adapters/idle-backoff.js';
import { isTerminalWorkflowState } from '../../src/engine/states.js';
import { parseDefinition } from '../../src/model/load.js';
import type { WorkflowDefinition } from '../../src/model/types.js';
import type { BenchContext, BenchScenario } from '../lib/report.js';
import { azuriteTarget } from '../lib/target.js';
import { logRecord, pollUntil, requireBuiltCli, startJobq, type JobqProcess } from '../lib/jobq-process.js';

const QUEUE = 'bench-latency';
const CHAIN = 20;

function chain(n: number, name: string): WorkflowDefinition {
  const tasks = Array.from({ length: n }, (_, i) => ({
    name: `t${i}`,
    depends_on: i === 0 ? [] : [`t${i - 1}`],
    kwargs: { cmd: 'true' },
  }));
  return parseDefinition({ name, default_queue: QUEUE, tasks }, 'bench');
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

/** Ms after its last activity until each process polls at its cap (the slower of the two). */
function msUntilBothAtCap(): { ms: number; coordinatorCapMs: number; workerCapMs: number } {
  const c = coordinatorPolling(DEFAULT_COORDINATOR_SETTINGS);
  const idle = new IdleBackoff(c.idle);
  const coordinatorMs = msUntilCap(() => idle.next(), c.idle.maxMs);
  const w = workerPolling(WORKER_DEFAULTS.maxIdleBackoffS);
  const workerMs = msUntilCap((t) => Math.min(w.capMs, Math.max(w.floorMs, w.ratio * t)), w.capMs);
  return { ms: Math.max(coordinatorMs, workerMs), coordinatorCapMs: c.idle.maxMs, workerCapMs: w.capMs };
}

async function run(ctx: BenchContext): Promise<void> {
  requireBuiltCli();
  const dir = mkdtempSync(join(tmpdir(), 'jobq-bench-latency-'));
  const az = await startAzurite({ location: dir, startTimeoutMs: 120_000 });
  const prefix = `Lat${randomBytes(4).toString('hex')}`;
  const backend = await openAzureBackend(azuriteTarget(az.ports, prefix));
  const procs: JobqProcess[] = [];
  try {
    const client = new WorkflowClient({ backend });
    await client.ensureResources();
    const env = { JOBQ_WORKFLOW_PREFIX: `devstoreaccount1/${prefix}` };
    const coordinator = startJobq(['workflow', 'coordinator'], { ports: az.ports, env });
    procs.push(coordinator);
    await coordinator.waitForLine(/coordinator started/, 60_000);
    const worker = startJobq(['worker', QUEUE], { ports: az.ports, env });
    procs.push(worker);
    await worker.waitForLine(/worker started/, 60_000);
    const started = new Map<string, number>();
    const published = new Map<string, number>();
    worker.onLine((line) => {
      const rec = logRecord(line);
      const key = `${String(rec?.workflowId)}/${String(rec?.task)}`;
      if (rec?.msg === 'task started') started.set(key, rec.time);
      if (rec?.msg.startsWith('task succeeded')) published.set(key, rec.time);
    });
    const finished = async (id: string) => {
      const state = (await backend.state.load(id))?.state?.workflow_state;
      return state && isTerminalWorkflowState(state) ? state : undefined;
    };

    // Chains.
    const rounds = ctx.quick ? 1 : 3;
    const edges: number[] = [];
    const runToPublished: number[] = [];
    const publishedToNext: number[] = [];
    const totals: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = Date.now();
      const { workflowId } = await client.submit(chain(CHAIN, `chain-${r}`));
      const state = await pollUntil(`chain ${workflowId} to finish`, () => finished(workflowId), {
        timeoutMs: 120_000,
        intervalMs: 50,
      });
      if (state !== 'completed') throw new Error(`chain ${workflowId} ended ${state}:\n${worker.tail()}`);
      const starts = Array.from({ length: CHAIN }, (_, i) => started.get(`${workflowId}/t${i}`));
      if (starts.some((t) => t === undefined))
        throw new Error(`chain ${workflowId}: a task start was not logged:\n${worker.tail()}`);
      const ts = starts as number[];
      for (let i = 1; i < CHAIN; i++) {
        edges.push(ts[i] - ts[i - 1]);
        const pub = published.get(`${workflowId}/t${i - 1}`);
        if (pub === undefined) continue;
        runToPublished.push(pub - ts[i - 1]);
        publishedToNext.push(ts[i] - pub);
      }
      totals.push(ts[CHAIN - 1] - t0);
      ctx.log(`chain ${r}: first start ${ts[0] - t0} ms after submit, last after ${ts[CHAIN - 1] - t0} ms`);
    }
    const p50 = median(edges);
    ctx.emit({
      metric: 'chain_edge_ms_p50',
      value: p50,
      unit: 'ms',
      target: 150,
      higher_is_better: false,
      settings: {
        workflow: `chain of ${CHAIN} tasks, cmd true`,
        processes:
          'jobq workflow coordinator + jobq worker QUEUE (node bin/jobq.js, default settings: concurrency 1, shell processor)',
        azurite: 'disk mode (--location)',
        edge: "task k's start → task k+1's start, from the worker's `task started` log lines",
        rounds,
        edges: edges.length,
        p90_ms: percentile(edges, 0.9),
        p50_start_to_completion_published_ms: median(runToPublished),
        p50_completion_published_to_next_start_ms: median(publishedToNext),
        max_ms: Math.max(...edges),
        submit_to_last_start_ms: totals,
      },
    });

    // Idle wake-up.
    const caps = msUntilBothAtCap();
    const periodMs = Math.max(caps.coordinatorCapMs, caps.workerCapMs);
    const wakes: number[] = [];
    const submits = ctx.quick ? 5 : 7;
    for (let i = 0; i < submits; i++) {
      const waitMs = caps.ms + periodMs + Math.random() * 2 * periodMs;
      await new Promise((r) => setTimeout(r, waitMs));
      const t0 = Date.now();
      const { workflowId } = await client.submit(chain(1, `wake-${i}`));
      const at = await pollUntil(`wake-${i}'s task to start`, () => started.get(`${workflowId}/t0`), {
        timeoutMs: 60_000,
        intervalMs: 5,
      });
      wakes.push(at - t0);
      ctx.log(`idle wake ${i}: ${at - t0} ms after ${(waitMs / 1000).toFixed(1)} s idle`);
      await pollUntil(`wake-${i} to finish`, () => finished(workflowId), {
        timeoutMs: 60_000,
        intervalMs: 50,
      });
    }
    ctx.emit({
      metric: 'idle_wake_ms',
      value: median(wakes),
      unit: 'ms',
      target: 1500,
      higher_is_better: false,
      settings: {
        workflow: 'one task, cmd true',
        processes: 'the same coordinator and worker processes, default settings',
        idle_before_each_submit_ms: `${Math.round(caps.ms + periodMs)} + random [0, ${2 * periodMs})`,
        idle_reasoning: `both poll at their caps (coordinator ${caps.coordinatorCapMs} ms, worker ${caps.workerCapMs} ms) ${Math.round(caps.ms)} ms after their last activity, by the default polling parameters`,
        idle_poll_grid: `at the cap the coordinator polls at multiples of ${caps.coordinatorCapMs} ms on the wall clock, the worker ${WORKER_GRID_OFFSET_MS}–${WORKER_GRID_OFFSET_MS + WORKER_GRID_SPREAD_MS} ms after (--idle-align, default on)`,
        timing: 'submit call (client library) → the task’s `task started` log line',
        submits,
        runs_ms: wakes,
        statistic: 'median',
      },
    });
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await backend.close();
    await az.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const scenario: BenchScenario = {
  name: 'latency',
  description: 'edge latency of a 20-task chain and idle wake-up, jobq coordinator + worker processes',
  run,
};
