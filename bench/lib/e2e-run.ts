/**
 * Runs workflows end to end through a real coordinator process and real noop worker processes on a
 * fresh Azurite, sampling both sides' counters, and reduces them to the e2e figures.
 */
import { startAzurite, type EmbeddedAzurite } from '../../src/azurite/embedded.js';
import { openAzureBackend } from '../../src/adapters/azure/open.js';
import { WorkflowClient } from '../../src/client/workflow-client.js';
import { isTerminalWorkflowState } from '../../src/engine/states.js';
import type { WorkflowDefinition } from '../../src/model/types.js';
import type { Backend } from '../../src/ports/backend.js';
import type { CoordinatorSettings } from '../../src/config/types.js';
import { azuriteTarget } from './target.js';
import { startHost, totalTransactions, type HostProcess } from './host-process.js';
import type { HostReport } from './hosts/protocol.js';
import { BENCH_QUEUE } from './shapes.js';
import { warmUpAzurite } from './ceilings.js';

export interface FleetSpec {
  workerProcesses: number;
  workerConcurrency: number;
  coordinator?: Partial<CoordinatorSettings>;
  /** Disk-mode Azurite (no in-memory GC stalls) instead of in-memory. */
  diskAzurite?: string;
}

export interface Sample {
  atMs: number;
  published: number;
  tx: number;
  coordinatorCpuUs: number;
  coordinatorCompletions: number;
  coordinatorRss: number;
}

export interface RunResult {
  tasks: number;
  workflows: number;
  submitMs: number;
  /** From the first submit to the last workflow terminal. */
  elapsedMs: number;
  samples: Sample[];
  final: { coordinator: HostReport; workers: HostReport[] };
  workflowIds: string[];
  states: Record<string, number>;
  /** False when `allowPartial` stopped the run at its time bound. */
  finished: boolean;
}

/** An Azurite + coordinator + workers for one measurement. */
export interface BenchFleet {
  az: EmbeddedAzurite;
  prefix: string;
  backend: Backend;
  client: WorkflowClient;
  coordinator: HostProcess;
  workers: HostProcess[];
  close(): Promise<{ coordinator: HostReport | null; workers: (HostReport | null)[] }>;
}

/** Starts Azurite, the coordinator host and the worker hosts, and a client for submitting. */
export async function startBenchFleet(spec: FleetSpec, prefix: string): Promise<BenchFleet> {
  const az = await startAzurite(spec.diskAzurite ? { location: spec.diskAzurite } : {});
  const hosts: HostProcess[] = [];
  try {
    await warmUpAzurite(az.connectionString);
    const backend = await openAzureBackend(azuriteTarget(az.ports, prefix));
    const client = new WorkflowClient({ backend });
    await client.ensureResources();
    const coordinator = await startHost({
      role: 'coordinator',
      ports: az.ports,
      prefix,
      settings: spec.coordinator,
    });
    hosts.push(coordinator);
    const workers = await Promise.all(
      Array.from({ length: spec.workerProcesses }, () =>
        startHost({
          role: 'worker',
          ports: az.ports,
          prefix,
          queue: BENCH_QUEUE,
          concurrency: spec.workerConcurrency,
          processor: 'noop',
        }),
      ),
    );
    hosts.push(...workers);
    const close = async () => {
      const reports = await Promise.all(hosts.map((h) => h.stop()));
      await backend.close();
      await az.stop();
      return { coordinator: reports[0], workers: reports.slice(1) };
    };
    return { az, prefix, backend, client, coordinator, workers, close };
  } catch (err) {
    for (const h of hosts) h.kill();
    await az.stop();
    throw err;
  }
}

async function sample(fleet: BenchFleet, t0: number): Promise<Sample & { reports: HostReport[] }> {
  const reports = await Promise.all([fleet.coordinator, ...fleet.workers].map((h) => h.report()));
  const [c, ...w] = reports;
  return {
    atMs: performance.now() - t0,
    published: w.reduce((n, r) => n + Number(r.stats.published ?? 0), 0),
    tx: totalTransactions(reports).total,
    coordinatorCpuUs: c.cpuUs.user + c.cpuUs.system,
    coordinatorCompletions: Number(c.stats.completions_handled ?? 0),
    coordinatorRss: c.rssBytes,
    reports,
  };
}

async function allTerminal(backend: Backend, ids: string[]): Promise<Record<string, number> | null> {
  const rows =
    ids.length <= 4 ? await Promise.all(ids.map((id) => backend.index.get(id))) : await backend.index.list();
  const wanted = new Set(ids);
  const states: Record<string, number> = {};
  let terminal = 0;
  for (const row of rows) {
    if (!row || !wanted.has(row.workflowId)) continue;
    states[row.workflowState] = (states[row.workflowState] ?? 0) + 1;
    if (isTerminalWorkflowState(row.workflowState)) terminal++;
  }
  return terminal === ids.length ? states : null;
}

/** Submits `defs` and waits (bounded) until every workflow is terminal, sampling every `sampleMs`. */
export async function runWorkflows(
  fleet: BenchFleet,
  defs: WorkflowDefinition[],
  opts: { timeoutMs: number; sampleMs?: number; allowPartial?: boolean },
): Promise<RunResult> {
  const samples: Sample[] = [];
  const t0 = performance.now();
  samples.push(await sample(fleet, t0));
  const submitStart = performance.now();
  const prepared = defs.map((d, i) => ({ source: `${d.name}#${i}`, prepared: fleet.client.prepare(d) }));
  const results = await fleet.client.submitBatch(prepared, { concurrency: 16 });
  const failed = results.filter((r) => r.error);
  if (failed.length) throw new Error(`submit failed: ${failed[0].error}`);
  const submitMs = performance.now() - submitStart;
  const ids = results.map((r) => r.workflow_id);
  let states: Record<string, number> | null;
  let last = await sample(fleet, t0);
  while (!(states = await allTerminal(fleet.backend, ids))) {
    if (performance.now() - t0 > opts.timeoutMs) {
      if (opts.allowPartial) break;
      throw new Error(
        `workflows not finished within ${opts.timeoutMs} ms (${last.published} tasks published)`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.sampleMs ?? 500));
    last = await sample(fleet, t0);
    samples.push(last);
  }
  const elapsedMs = performance.now() - t0;
  last = await sample(fleet, t0);
  samples.push(last);
  const [coordinator, ...workers] = last.reports;
  return {
    tasks: defs.reduce((n, d) => n + d.tasks.length, 0),
    workflows: defs.length,
    submitMs,
    elapsedMs,
    samples,
    final: { coordinator, workers },
    workflowIds: ids,
    states: states ?? { unfinished: ids.length },
    finished: states !== null,
  };
}

/** Queue transactions per task over the steady window (10 % → 90 % of tasks published). */
export function steadyTransactionsPerTask(run: RunResult): { perTask: number; window: [number, number] } {
  const lo = run.samples.find((s) => s.published >= run.tasks * 0.1) ?? run.samples[0];
  const hi = run.samples.find((s) => s.published >= run.tasks * 0.9) ?? run.samples[run.samples.length - 1];
  const dTasks = hi.published - lo.published;
  if (dTasks <= 0) {
    const last = run.samples[run.samples.length - 1];
    return {
      perTask: (last.tx - run.samples[0].tx) / Math.max(1, last.published),
      window: [0, last.published],
    };
  }
  return { perTask: (hi.tx - lo.tx) / dTasks, window: [lo.published, hi.published] };
}

/** Coordinator CPU milliseconds per 1,000 completions over the whole run. */
export function coordinatorCpuPer1000(run: RunResult): number {
  const first = run.samples[0];
  const last = run.samples[run.samples.length - 1];
  const completions = last.coordinatorCompletions - first.coordinatorCompletions;
  return ((last.coordinatorCpuUs - first.coordinatorCpuUs) / 1000 / Math.max(1, completions)) * 1000;
}
