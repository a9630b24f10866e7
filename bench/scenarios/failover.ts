/**
 * `failover`: two `jobq workflow coordinator --standby` child processes with default settings on one
 * prefix; the leader is stopped with SIGTERM, or kill -9'd and restarted at once (as a Deployment
 * would), and the time from the signal to the next process answering 200 on `/readyz` is recorded —
 * what a Kubernetes probe or a load balancer sees. Reports p50 and max of each kind (BENCH.md), and
 * where the time goes: for SIGTERM, when the stopped leader released the lease (its `coordinator
 * shutdown` log line); for kill -9, the take-over counted from the dead leader's last renewal
 * response (the flush journal), which is what the lease + acquire interval bound is about.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite } from '../../src/azurite/embedded.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../src/config/defaults.js';
import { STANDBY_DEFAULTS } from '../../src/config/knobs.js';
import { JobqProcess } from '../../test/chaos/lib/jobq-process.js';
import { acquiredAfter, lastHeldAt, p50max, readJournal } from '../../test/chaos/lib/journal.js';
import type { BenchContext, BenchScenario } from '../lib/report.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

interface Replica {
  proc: JobqProcess;
  port: number;
}

/** The replica answering /readyz 200 (polled every 10 ms), or null at the deadline. */
async function leader(replicas: Replica[], deadline: number): Promise<Replica | null> {
  while (Date.now() < deadline) {
    for (const r of replicas) if (await ready(r.port)) return r;
    await new Promise((res) => setTimeout(res, 10));
  }
  return null;
}

async function run(ctx: BenchContext): Promise<void> {
  const sigterms = ctx.quick ? 2 : 6;
  const kills = ctx.quick ? 1 : 3;
  const az = await startAzurite();
  const dir = mkdtempSync(join(tmpdir(), 'jobq-failover-'));
  const journal = join(dir, 'journal.jsonl');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...az.env(),
    JOBQ_COORDINATOR_FLUSH_JOURNAL: journal,
    JOBQ_WORKFLOW_PREFIX: `devstoreaccount1/Failover${randomBytes(4).toString('hex')}`,
  };
  delete env.JOBQ_WORKFLOW_CONFIG;
  const replicas: Replica[] = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const args = ['workflow', 'coordinator', '--standby', '--health-port', String(port)];
    replicas.push({ proc: new JobqProcess(`coordinator-${i}`, args, env), port });
  }
  const samples = {
    sigterm: [] as number[],
    kill9: [] as number[],
    release: [] as number[],
    sinceRenewal: [] as number[],
  };
  const unclean: number[] = [];
  try {
    for (const r of replicas) r.proc.start();
    const plan = [...Array<string>(sigterms).fill('SIGTERM'), ...Array<string>(kills).fill('SIGKILL')];
    for (const signal of plan) {
      const current = await leader(replicas, Date.now() + 60_000);
      if (!current) throw new Error('no coordinator became leader within 60 s');
      // Let the other replica settle into its standby loop first.
      await new Promise((res) => setTimeout(res, 1_500));
      const t0 = Date.now();
      const victim = current.proc.pid;
      if (signal === 'SIGTERM') {
        const code = await current.proc.signal('SIGTERM');
        if (code !== 0) unclean.push(code ?? -1);
        const released = releasedAfterMs(current.proc.tail);
        if (released !== null) samples.release.push(released);
      } else await current.proc.kill9();
      current.proc.start();
      // The old leader has exited; whichever replica leads next (the restarted one too) counts.
      const next = await leader(replicas, Date.now() + 90_000);
      if (!next) throw new Error(`no take-over within 90 s after ${signal}`);
      const ms = Date.now() - t0;
      (signal === 'SIGTERM' ? samples.sigterm : samples.kill9).push(ms);
      const events = readJournal(journal);
      const held = victim === null ? null : lastHeldAt(events, victim, t0);
      const acquired = acquiredAfter(events, t0);
      if (signal === 'SIGKILL' && held !== null && acquired) samples.sinceRenewal.push(acquired.t - held);
      ctx.log(`${signal}: next leader ready after ${ms} ms`);
    }
  } finally {
    await Promise.all(replicas.map((r) => r.proc.kill9()));
    await az.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (unclean.length) throw new Error(`leaders exited ${unclean.join(', ')} after SIGTERM (expected 0)`);
  const lease = STANDBY_DEFAULTS.leaseDurationS ?? DEFAULT_COORDINATOR_SETTINGS.leaseDurationS;
  const acquire = DEFAULT_COORDINATOR_SETTINGS.leaseAcquireIntervalS;
  const settings = {
    lease_duration_s: lease,
    acquire_interval_s: acquire,
    replicas: 2,
    load: 'none',
    measured_by: '/readyz every 10 ms',
  };
  const term = p50max(samples.sigterm);
  const kill = p50max(samples.kill9);
  const release = p50max(samples.release);
  const since = p50max(samples.sinceRenewal);
  const emit = (metric: string, value: number | null, target: number | null, all: number[]) =>
    ctx.emit({
      metric,
      value: value ?? NaN,
      unit: 'ms',
      target,
      higher_is_better: false,
      settings: { ...settings, samples: all.length, values_ms: all },
    });
  const bound = (lease + acquire) * 1000;
  emit('standby_takeover_sigterm_ms', term.p50_ms, 2000, samples.sigterm);
  emit('standby_takeover_sigterm_max_ms', term.max_ms, 2000, samples.sigterm);
  emit('standby_sigterm_leader_released_ms', release.p50_ms, null, samples.release);
  emit('standby_takeover_kill9_ms', kill.p50_ms, bound, samples.kill9);
  emit('standby_takeover_kill9_max_ms', kill.max_ms, bound, samples.kill9);
  emit('standby_takeover_kill9_since_renewal_max_ms', since.max_ms, bound, samples.sinceRenewal);
}

/** `lease_released_ms` of a stopped coordinator's `coordinator shutdown` log line, if it logged one. */
function releasedAfterMs(stderr: string): number | null {
  // The tail spans the process's earlier runs too: the last shutdown line is the latest stop's.
  const all = [...stderr.matchAll(/"lease_released_ms":(\d+)/g)];
  return all.length ? Number(all[all.length - 1][1]) : null;
}

export const scenario: BenchScenario = {
  name: 'failover',
  description: 'two --standby coordinators (defaults): SIGTERM and kill -9 of the leader → next leader ready',
  run,
};
