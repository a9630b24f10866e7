/**
 * `startup`: how fast whole `jobq` processes start (issue 16 item 3, BENCH.md `startup` metrics). Each
 * round runs, interleaved, `node -e 0` (the ceiling), `jobq --help`, `jobq task output set '{"a":1}'`
 * (inside a task's environment), `jobq workflow validate examples/diamond.yaml`, and a `jobq workflow
 * coordinator` on a fresh prefix of an Azurite started here (launch → the lock blob leased, then the
 * same prefix again: a restart finds its resources). Every process is `node bin/jobq.js …` with default
 * settings, from an empty working directory without JOBQ_* variables.
 *
 * The CLI runs go through GNU time (`/usr/bin/time`, wait4 rusage), the ceiling too, so wall time,
 * CPU (user+sys) and peak RSS come from the kernel and the wrapper's cost is on both sides of the
 * ratio. Without /usr/bin/time, wall time is measured around the spawn and RSS is VmHWM polled from /proc.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type EmbeddedAzurite } from '../../src/azurite/embedded.js';
import { LOCK_BLOB, resourceNames } from '../../src/adapters/names.js';
import type { BenchContext, BenchScenario } from '../lib/report.js';
import { childEnv, pollUntil, requireBuiltCli, startJobq } from '../lib/jobq-process.js';
import { peakRssBytesOf } from '../lib/proc.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'jobq.js');
const GNU_TIME = '/usr/bin/time';
const LEASE_POLL_MS = 5;
const RSS_POLL_MS = 2;
/** Pause between 'coordinator started' and SIGTERM (see coordinatorReady). */
const SETTLE_BEFORE_STOP_MS = 300;

/** One finished process: wall and CPU milliseconds, peak RSS bytes. */
interface Sample {
  wallMs: number;
  cpuMs: number | null;
  rssBytes: number | null;
}

interface CliCase {
  metric: string;
  args: string[];
  env?: Record<string, string>;
  /** The ratio target (BENCH.md). */
  target: number;
  /** What a successful run prints on stdout (checked on every run: a failing command is no figure). */
  expect?: RegExp;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Run `node ARGS…` to completion and measure it; rejects on a non-zero exit or unexpected output. */
function measure(
  nodeArgs: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; expect?: RegExp },
): Promise<Sample> {
  const withTime = existsSync(GNU_TIME);
  const report = join(opts.cwd, 'time.txt');
  const [cmd, args] = withTime
    ? [GNU_TIME, ['-f', '%e %U %S %M', '-o', report, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let peak = 0;
    const poll = withTime
      ? null
      : setInterval(() => (peak = Math.max(peak, peakRssBytesOf(child.pid ?? -1) ?? 0)), RSS_POLL_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (poll) clearInterval(poll);
      if (code !== 0) return reject(new Error(`node ${nodeArgs.join(' ')} exited ${code}: ${err.trim()}`));
      if (opts.expect && !opts.expect.test(out))
        return reject(new Error(`node ${nodeArgs.join(' ')}: unexpected output ${JSON.stringify(out)}`));
      if (!withTime) return resolve({ wallMs, cpuMs: null, rssBytes: peak || null });
      const [, user, sys, maxKb] = readFileSync(report, 'utf8').trim().split(/\s+/).slice(-4).map(Number);
      resolve({ wallMs, cpuMs: (user + sys) * 1000, rssBytes: maxKb * 1024 });
    });
  });
}

/** Launch a coordinator on `prefix` and resolve with launch → lock blob leased, ms; stops it after. */
async function coordinatorReady(az: EmbeddedAzurite, prefix: string): Promise<number> {
  const lock = BlobServiceClient.fromConnectionString(az.connectionString)
    .getContainerClient(resourceNames(prefix).stateContainer)
    .getBlockBlobClient(LOCK_BLOB);
  const launchedAt = Date.now();
  const child = startJobq(['workflow', `devstoreaccount1/${prefix}`, 'coordinator'], { ports: az.ports });
  try {
    const failed = child.exited.then((code) => {
      throw new Error(`coordinator exited (${code}) before holding the lease:\n${child.tail()}`);
    });
    failed.catch(() => undefined);
    const leasedAt = await Promise.race([
      pollUntil(
        'the coordinator lease',
        async () => {
          const sentAt = Date.now();
          const props = await lock.getProperties().catch(() => null);
          return props?.leaseState === 'leased' ? sentAt : undefined;
        },
        { timeoutMs: 60_000, intervalMs: LEASE_POLL_MS },
      ),
      failed,
    ]);
    // Stop only once it is fully started and has installed its signal handlers (just after logging
    // 'coordinator started'), so it releases the lease and the restart run does not wait for it to
    // expire. A SIGTERM in that gap would kill it outright (issue 17 covers signals at any moment).
    await child.waitForLine(/coordinator started/, 60_000);
    await new Promise((r) => setTimeout(r, SETTLE_BEFORE_STOP_MS));
    await child.stop(10_000);
    const code = await child.exited;
    if (code !== 0) throw new Error(`coordinator exited ${code} after SIGTERM:\n${child.tail()}`);
    return leasedAt - launchedAt;
  } finally {
    await child.stop(5_000);
  }
}

async function run(ctx: BenchContext): Promise<void> {
  requireBuiltCli();
  const rounds = ctx.quick ? 10 : 15;
  const coordinatorRounds = ctx.quick ? 5 : 10;
  const cwd = mkdtempSync(join(tmpdir(), 'jobq-bench-startup-'));
  const az = await startAzurite();
  try {
    const env = { ...childEnv(az.ports), HOME: cwd, NO_COLOR: '1' };
    const cases: CliCase[] = [
      { metric: 'help_ms', args: [BIN, '--help'], target: 2.0, expect: /jobq <command>/ },
      {
        metric: 'task_output_set_ms',
        args: [BIN, 'task', 'output', 'set', '{"a":1}'],
        env: {
          JOBQ_WORKFLOW_ID: 'wf-bench',
          JOBQ_WORKFLOW_TASK: 't1',
          JOBQ_OUTPUT_FILE: join(cwd, 'out.json'),
        },
        target: 2.0,
      },
      {
        metric: 'validate_ms',
        args: [BIN, 'workflow', 'validate', join(ROOT, 'examples', 'diamond.yaml')],
        target: 2.5,
        expect: /^OK /,
      },
    ];
    const ceiling: Sample[] = [];
    const samples = new Map<string, Sample[]>(cases.map((c) => [c.metric, []]));
    const ready: number[] = [];
    const restart: number[] = [];
    // One warm-up of each, unmeasured: the first run of a file pays the page cache.
    await measure(['-e', '0'], { cwd, env });
    for (const c of cases) await measure(c.args, { cwd, env: { ...env, ...c.env }, expect: c.expect });
    for (let i = 0; i < rounds; i++) {
      ceiling.push(await measure(['-e', '0'], { cwd, env }));
      for (const c of cases)
        samples
          .get(c.metric)!
          .push(await measure(c.args, { cwd, env: { ...env, ...c.env }, expect: c.expect }));
      if (i < coordinatorRounds) {
        const prefix = `Start${process.pid}x${i}`;
        ready.push(await coordinatorReady(az, prefix));
        restart.push(await coordinatorReady(az, prefix));
      }
    }
    const ceilMs = median(ceiling.map((s) => s.wallMs));
    const ceilCpu = ceiling.every((s) => s.cpuMs !== null) ? median(ceiling.map((s) => s.cpuMs!)) : null;
    const settings = {
      runs: rounds,
      interleaved: true,
      timing: existsSync(GNU_TIME) ? 'GNU time (wait4 rusage)' : 'spawn→exit, VmHWM polled',
      ceiling: 'node -e 0, median wall ms in the same run',
      node_e_0_cpu_ms: ceilCpu,
    };
    let peakRss = 0;
    for (const c of cases) {
      const s = samples.get(c.metric)!;
      const wall = median(s.map((x) => x.wallMs));
      const cpu = s.every((x) => x.cpuMs !== null) ? median(s.map((x) => x.cpuMs!)) : null;
      for (const x of s) peakRss = Math.max(peakRss, x.rssBytes ?? 0);
      ctx.log(
        `${c.metric}: median ${wall.toFixed(0)} ms wall, ${cpu?.toFixed(0) ?? '?'} ms CPU (node -e 0: ${ceilMs.toFixed(0)} ms)`,
      );
      ctx.emit({
        metric: c.metric,
        value: wall,
        unit: 'ms',
        target: c.target,
        higher_is_better: false,
        ceiling: ceilMs,
        ratio: wall / ceilMs,
        settings: {
          ...settings,
          command: `jobq ${c.args.slice(1).join(' ')}`,
          cpu_ms_median: cpu,
          // CPU is steadier than wall time on a loaded machine: the same ratio on user+sys.
          cpu_ratio: cpu !== null && ceilCpu ? cpu / ceilCpu : null,
        },
      });
    }
    ctx.emit({
      metric: 'cli_rss_mb',
      value: peakRss / 2 ** 20,
      unit: 'MB',
      target: 70,
      higher_is_better: false,
      settings: {
        ...settings,
        of: cases.map((c) => c.metric),
        node_e_0_rss_mb: Math.max(...ceiling.map((s) => s.rssBytes ?? 0)) / 2 ** 20,
      },
    });
    const coordinatorSettings = {
      ...settings,
      runs: coordinatorRounds,
      azurite: 'in-memory, started by the scenario',
      measured: 'spawn → lock blob leaseState "leased" (polled every 5 ms)',
    };
    const readyMs = median(ready);
    ctx.emit({
      metric: 'coordinator_ready_ms',
      value: readyMs,
      unit: 'ms',
      target: 4,
      higher_is_better: false,
      ceiling: ceilMs,
      ratio: readyMs / ceilMs,
      settings: { ...coordinatorSettings, prefix: 'fresh (containers, queue and table created)' },
    });
    const restartMs = median(restart);
    ctx.emit({
      metric: 'coordinator_restart_ready_ms',
      value: restartMs,
      unit: 'ms',
      target: null,
      higher_is_better: false,
      ceiling: ceilMs,
      ratio: restartMs / ceilMs,
      settings: { ...coordinatorSettings, prefix: 'existing (the previous run released its lease)' },
    });
  } finally {
    await az.stop();
    rmSync(cwd, { recursive: true, force: true });
  }
}

export const scenario: BenchScenario = {
  name: 'startup',
  description:
    'whole-process start-up: jobq --help, task output set, workflow validate, coordinator launch → lease, vs node -e 0',
  run,
};
