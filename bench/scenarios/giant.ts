/**
 * `giant`: one 30,000-task workflow (1 root, 29,998 leaves, 1 sink; the sink's fan-in is rewritten
 * into merge nodes at submit) through a real coordinator process and 2 noop worker processes on a
 * disk-mode Azurite (no in-memory GC stalls). `max_parallelism` keeps the queue backlog small, so
 * workers feed completions incrementally (research/azurite-limits.md §10).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import type { BenchContext, BenchScenario } from '../lib/report.js';
import { fanOutFanIn } from '../lib/shapes.js';
import { runWorkflows, startBenchFleet, type FleetSpec } from '../lib/e2e-run.js';
import { resourceNames, stateBlobName } from '../../src/adapters/names.js';

const TASKS = 30_000;
/** `JOBQ_BENCH_GIANT_MAX_PARALLELISM` overrides it for experiments (the figure records what was used). */
const MAX_PARALLELISM = Number(process.env.JOBQ_BENCH_GIANT_MAX_PARALLELISM ?? 100);

async function stateBlobBytes(connectionString: string, prefix: string, workflowId: string): Promise<number> {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(
    resourceNames(prefix).stateContainer,
  );
  const props = await container.getBlobClient(stateBlobName(workflowId)).getProperties();
  return props.contentLength ?? 0;
}

async function run(ctx: BenchContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jobq-giant-'));
  const spec: FleetSpec = { workerProcesses: 2, workerConcurrency: 64, diskAzurite: join(dir, 'azurite') };
  const timeoutMs = ctx.quick ? 120_000 : 420_000;
  const fleet = await startBenchFleet(spec, `Giant${randomBytes(4).toString('hex')}`);
  try {
    const r = await runWorkflows(fleet, [fanOutFanIn(TASKS, MAX_PARALLELISM)], {
      timeoutMs,
      sampleMs: 1_000,
      allowPartial: true,
    });
    const id = r.workflowIds[0];
    const blobBytes = await stateBlobBytes(fleet.az.connectionString, fleet.prefix, id);
    const rssMax = Math.max(...r.samples.map((s) => s.coordinatorRss));
    const last = r.samples[r.samples.length - 1];
    const completions = last.coordinatorCompletions - r.samples[0].coordinatorCompletions;
    const settings = {
      tasks: TASKS,
      shape: '1 root + 29,998 leaves + 1 sink (auto fan-in merge nodes)',
      max_parallelism: MAX_PARALLELISM,
      processes: 'child processes: 1 coordinator, 2 noop workers (bench/lib/hosts/host.ts)',
      worker_concurrency: spec.workerConcurrency,
      azurite: 'disk mode (--location), fresh',
      finished: r.finished,
      time_bound_s: timeoutMs / 1000,
      final_states: r.states,
      completions,
      elapsed_s: r.elapsedMs / 1000,
    };
    ctx.log(
      `giant: finished=${r.finished} ${completions} completions in ${(r.elapsedMs / 1000).toFixed(0)} s, blob ${blobBytes} B, rss ${(rssMax / 2 ** 20).toFixed(0)} MB`,
    );
    ctx.emit({
      metric: 'submit_30k_ms',
      value: r.submitMs,
      unit: 'ms',
      target: null,
      higher_is_better: false,
      settings,
    });
    ctx.emit({
      metric: 'state_blob_bytes_30k',
      value: blobBytes,
      unit: 'B',
      target: null,
      higher_is_better: false,
      settings: { ...settings, bytes_per_task: blobBytes / TASKS },
    });
    ctx.emit({
      metric: 'coordinator_rss_mb_30k',
      value: rssMax / 2 ** 20,
      unit: 'MB',
      target: null,
      higher_is_better: false,
      settings: { ...settings, sampled: 'max RSS of the coordinator process, sampled every 1 s' },
    });
    ctx.emit({
      metric: 'completions_per_s_30k',
      value: completions / (r.elapsedMs / 1000),
      unit: '1/s',
      target: null,
      higher_is_better: true,
      settings,
    });
  } finally {
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const scenario: BenchScenario = {
  name: 'giant',
  description: 'one 30,000-task workflow: submit time, state blob size, coordinator RSS, completions/s',
  run,
};
