/**
 * The chaos run (DECISIONS §7): a mixed load through a real coordinator child process and real worker
 * child processes on a dedicated Azurite, kill -9 of the coordinator at random points and of workers
 * mid-task, then the same load fault-free; every workflow must end in the same state.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startAzurite, type EmbeddedAzurite } from '../../../src/azurite/embedded.js';
import { Fleet, CHAOS_COORDINATOR_ARGS, CHAOS_WORKER_ARGS, STANDBY_COORDINATOR_ARGS } from './fleet.js';
import {
  acquiredAfter,
  checkFencing,
  lastHeldAt,
  latestLeader,
  p50max,
  readJournal,
  type FencingReport,
} from './journal.js';
import type { JobqProcess } from './jobq-process.js';
import { chaosWorkflow, retargetWorkflow, type ChaosWorkflow, type LoadDirs } from './load.js';
import { snapshotStorage, queueDepths, type StorageSnapshot } from './inspect.js';
import { runJobq } from './jobq-process.js';
import { seededRandom, between } from './random.js';
import { compareRuns, countEffects, parentsOf, type Comparison } from './verdict.js';

export interface ChaosOptions {
  /** Workflows per submitted wave. */
  workflowsPerWave: number;
  /** Coordinator kill -9s to reach before the load is allowed to finish. */
  coordinatorKills: number;
  /** Probability that a kill round also kills one worker mid-task. */
  workerKillProbability: number;
  workers: number;
  workerConcurrency: number;
  taskSleepS: number;
  /** Seconds a coordinator lives before it is killed, drawn uniformly. */
  killGapS: [number, number];
  /** Hard bound of the whole run. */
  maxDurationS: number;
  seed: number;
  azurite: 'disk' | 'memory';
  coordinatorArgs?: string[];
  workerArgs?: string[];
  /**
   * Two --standby coordinators on the chaos prefix (issue 17): the leader is kill -9'd
   * `coordinatorKills` times and stopped with SIGTERM `sigterms` times; each flush is journaled with
   * its lease id and the run proves no two leaders' flushes interleave.
   */
  standby?: { sigterms: number };
  log(msg: string): void;
}

/** Fail-over figures of the two-coordinator run: signal → the next lease acquisition. */
export interface FailoverReport {
  sigterm: { n: number; p50_ms: number | null; max_ms: number | null };
  kill9: { n: number; p50_ms: number | null; max_ms: number | null };
  /**
   * kill -9 fail-overs measured from the dead leader's last renewal (or acquisition) response instead
   * of the signal: the lease expires at most one lease duration after it, so this is what the bound
   * "lease duration + acquire interval" is about (plus the standby's own request latencies).
   */
  kill9_since_last_renewal: { n: number; p50_ms: number | null; max_ms: number | null };
  /**
   * SIGTERM: when the stopped leader had released the lease, from the signal (its `coordinator
   * shutdown` log line, `lease_released_ms`): the leader's share of the hand-over.
   */
  sigterm_leader_released: { n: number; p50_ms: number | null; max_ms: number | null };
  /** SIGTERMs after which the leader did not exit 0. */
  unclean_sigterm_exits: string[];
  fencing: FencingReport;
}

export interface ChaosReport extends Comparison {
  ok: boolean;
  seed: number;
  azurite: 'disk' | 'memory';
  workflows: number;
  tasks: number;
  coordinator_kills: number;
  /** Only in the --standby run. */
  coordinator_sigterms?: number;
  worker_kills: number;
  unexpected_exits: string[];
  /** Wall time of the whole run (chaos and its fault-free twin run side by side). */
  run_s: number;
  leftover_queue_messages: Record<string, number>;
  errors: string[];
  /** Last log lines of each process when the run failed (empty when ok). */
  diagnostics: Record<string, string[]>;
  /** Only in the --standby run. */
  failover?: FailoverReport;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

interface RunContext {
  az: EmbeddedAzurite;
  /** The flush journal of the coordinators (standby run only). */
  journal: string | null;
  dirs: LoadDirs;
  prefix: string;
  fleet: Fleet;
  defsDir: string;
  submitted: ChaosWorkflow[];
  cancelName: string | null;
  cancelIssued: boolean;
}

function makeDirs(root: string, tag: string, prefix: string): LoadDirs {
  const dir = join(root, tag);
  mkdirSync(join(dir, 'markers'), { recursive: true });
  writeFileSync(join(dir, 'effects.log'), '');
  return {
    effectsFile: join(dir, 'effects.log'),
    markerDir: join(dir, 'markers'),
    stopFile: join(dir, 'STOP'),
    queue: `${prefix.toLowerCase()}-tasks`,
  };
}

async function submit(ctx: RunContext, wfs: ChaosWorkflow[]): Promise<void> {
  const files = wfs.map((wf) => {
    const file = join(ctx.defsDir, `${ctx.prefix}-${wf.name}.json`);
    writeFileSync(file, JSON.stringify(wf, null, 2));
    return file;
  });
  const r = await runJobq(['workflow', 'submit', ...files], ctx.fleet.env);
  if (r.code !== 0) throw new Error(`submit failed (exit ${r.code}): ${oneLine(r.stderr)}`);
  ctx.submitted.push(...wfs);
}

/** First and last lines of a child's stderr, for a one-line error. */
function oneLine(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.length <= 6 ? lines.join(' | ') : [...lines.slice(0, 3), '…', ...lines.slice(-2)].join(' | ');
}

/** Issues the cancel once the blocking task is running (so both runs cancel at the same point). */
async function maybeCancel(ctx: RunContext, snap: StorageSnapshot): Promise<void> {
  if (!ctx.cancelName || ctx.cancelIssued) return;
  const wf = snap.workflows.find((w) => w.name === ctx.cancelName);
  if (!wf || wf.tasks.block !== 'running') return;
  const r = await runJobq(['workflow', 'cancel', wf.workflowId], ctx.fleet.env);
  if (r.code !== 0) throw new Error(`cancel failed (exit ${r.code}): ${oneLine(r.stderr)}`);
  ctx.cancelIssued = true;
}

function allTerminal(ctx: RunContext, snap: StorageSnapshot): boolean {
  const byName = new Map(snap.workflows.map((w) => [w.name, w]));
  return ctx.submitted.every((s) => {
    const w = byName.get(s.name);
    return w !== undefined && TERMINAL.has(w.workflowState) && w.indexState === w.workflowState;
  });
}

async function snapshot(ctx: RunContext): Promise<StorageSnapshot> {
  return snapshotStorage(ctx.az.connectionString, ctx.prefix);
}

/** Polls until every submitted workflow is terminal (or the deadline), issuing the cancel on the way. */
async function waitTerminal(
  ctx: RunContext,
  deadline: number,
  onTick?: () => Promise<void>,
): Promise<StorageSnapshot> {
  for (;;) {
    const snap = await snapshot(ctx);
    await maybeCancel(ctx, snap);
    if (allTerminal(ctx, snap) || Date.now() > deadline) return snap;
    if (onTick) await onTick();
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** The chaos phase: load in waves (each also given to the fault-free twin) until enough kills. */
async function chaosPhase(
  ctx: RunContext,
  twin: RunContext,
  opts: ChaosOptions,
  deadline: number,
): Promise<{
  kills: number;
  sigterms: number;
  workerKills: number;
  exits: string[];
  failover: Omit<FailoverReport, 'fencing'>;
}> {
  const rand = seededRandom(opts.seed);
  let wave = 0;
  let kills = 0;
  let workerKills = 0;
  const exits: string[] = [];
  const nextWave = async () => {
    const wfs = Array.from({ length: opts.workflowsPerWave }, (_, i) =>
      chaosWorkflow(i, ctx.dirs, { taskSleepS: opts.taskSleepS, wave }),
    );
    if (wave === 0) {
      const cancel = chaosWorkflow(opts.workflowsPerWave, ctx.dirs, {
        taskSleepS: opts.taskSleepS,
        wave,
        kind: 'cancel',
      });
      ctx.cancelName = twin.cancelName = cancel.name;
      wfs.push(cancel);
    }
    wave++;
    await Promise.all([
      submit(ctx, wfs),
      submit(
        twin,
        wfs.map((wf) => retargetWorkflow(wf, ctx.dirs, twin.dirs)),
      ),
    ]);
  };
  await nextWave();
  let killing = true;
  // The load driver runs beside the kill loop, so slow snapshots or submits never delay a kill.
  const driver = (async () => {
    while (killing) {
      const [snap, twinSnap] = await Promise.all([snapshot(ctx), snapshot(twin)]);
      await Promise.all([maybeCancel(ctx, snap), maybeCancel(twin, twinSnap)]);
      if (killing && allTerminal(ctx, snap) && allTerminal(twin, twinSnap)) await nextWave();
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  const failover: Omit<FailoverReport, 'fencing'> & {
    samples: { sigterm: number[]; kill9: number[]; kill9SinceRenewal: number[]; released: number[] };
  } = {
    sigterm: p50max([]),
    kill9: p50max([]),
    kill9_since_last_renewal: p50max([]),
    sigterm_leader_released: p50max([]),
    unclean_sigterm_exits: [],
    samples: { sigterm: [], kill9: [], kill9SinceRenewal: [], released: [] },
  };
  let sigterms = 0;
  const wantSigterms = opts.standby?.sigterms ?? 0;
  try {
    while ((kills < opts.coordinatorKills || sigterms < wantSigterms) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, between(rand, opts.killGapS[0], opts.killGapS[1]) * 1000));
      exits.push(...ctx.fleet.reviveExited(), ...twin.fleet.reviveExited().map((e) => `fault-free ${e}`));
      if (opts.standby) {
        const left = opts.coordinatorKills - kills + (wantSigterms - sigterms);
        const useTerm =
          sigterms < wantSigterms &&
          (kills >= opts.coordinatorKills || rand() < (wantSigterms - sigterms) / left);
        const round = await standbyRound(
          ctx,
          useTerm ? 'SIGTERM' : 'SIGKILL',
          failover.unclean_sigterm_exits,
          deadline,
        );
        if (round !== null) {
          failover.samples[useTerm ? 'sigterm' : 'kill9'].push(round.ms);
          if (!useTerm && round.sinceHeldMs !== null)
            failover.samples.kill9SinceRenewal.push(round.sinceHeldMs);
          if (useTerm && round.releasedMs !== null) failover.samples.released.push(round.releasedMs);
        }
        if (useTerm) sigterms++;
        else kills++;
      } else {
        await ctx.fleet.coordinator.kill9();
        kills++;
        ctx.fleet.coordinator.start();
      }
      if (rand() < opts.workerKillProbability) {
        const victim = ctx.fleet.workers[Math.floor(rand() * ctx.fleet.workers.length)];
        await victim.kill9();
        workerKills++;
        victim.start();
      }
      if ((kills + sigterms) % 10 === 0) {
        opts.log(
          `chaos: ${kills} coordinator kills, ${sigterms} SIGTERMs, ${workerKills} worker kills, ${ctx.submitted.length} workflows`,
        );
      }
    }
  } finally {
    killing = false;
    await driver;
  }
  failover.sigterm = p50max(failover.samples.sigterm);
  failover.kill9 = p50max(failover.samples.kill9);
  failover.kill9_since_last_renewal = p50max(failover.samples.kill9SinceRenewal);
  failover.sigterm_leader_released = p50max(failover.samples.released);
  return { kills, sigterms, workerKills, exits, failover };
}

/** The coordinator process that leads now (by the journal's latest acquisition), waiting for one. */
async function currentLeader(ctx: RunContext, deadline: number): Promise<JobqProcess | null> {
  while (Date.now() < deadline) {
    const pid = latestLeader(readJournal(ctx.journal!));
    const leader = ctx.fleet.coordinators.find((c) => c.running && c.pid === pid);
    if (leader) return leader;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/**
 * One fail-over: SIGTERM (must exit 0) or kill -9 the leader, restart it as a standby at once, and
 * return the time from the signal to the next lease acquisition (null if none within 60 s), and from
 * the victim's last renewal (or acquisition) response to it.
 */
async function standbyRound(
  ctx: RunContext,
  signal: 'SIGTERM' | 'SIGKILL',
  unclean: string[],
  deadline: number,
): Promise<{ ms: number; sinceHeldMs: number | null; releasedMs: number | null } | null> {
  const leader = await currentLeader(ctx, deadline);
  if (!leader) return null;
  const victim = leader.pid;
  const t0 = Date.now();
  let releasedMs: number | null = null;
  if (signal === 'SIGKILL') await leader.kill9();
  else {
    const code = await leader.signal('SIGTERM');
    if (code !== 0)
      unclean.push(
        `${leader.role} exited ${code} after SIGTERM: ${leader.tail.split('\n').slice(-4).join(' | ')}`,
      );
    // The tail spans this process's earlier runs too: the last shutdown line is this one's.
    const all = [...leader.tail.matchAll(/"lease_released_ms":(\d+)/g)];
    releasedMs = all.length ? Number(all[all.length - 1][1]) : null;
  }
  leader.start();
  const until = Math.min(deadline + 60_000, Date.now() + 60_000);
  while (Date.now() < until) {
    const events = readJournal(ctx.journal!);
    const next = acquiredAfter(events, t0);
    if (next) {
      const held = victim === null ? null : lastHeldAt(events, victim, t0);
      return { ms: next.t - t0, sinceHeldMs: held === null ? null : next.t - held, releasedMs };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

function newContext(
  az: EmbeddedAzurite,
  root: string,
  tag: string,
  opts: ChaosOptions,
  standby = false,
): RunContext {
  const prefix = `${tag}${randomBytes(4).toString('hex')}`;
  const defsDir = join(root, `${tag}-defs`);
  mkdirSync(defsDir, { recursive: true });
  const dirs = makeDirs(root, tag, prefix);
  const journal = standby ? join(root, `${tag}-flush-journal.jsonl`) : null;
  const fleet = new Fleet({
    coordinators: standby ? 2 : 1,
    coordinatorEnv: journal ? { JOBQ_COORDINATOR_FLUSH_JOURNAL: journal } : {},
    prefix,
    queue: dirs.queue,
    azuriteEnv: az.env(),
    workers: opts.workers,
    workerConcurrency: opts.workerConcurrency,
    coordinatorArgs: opts.coordinatorArgs ?? (standby ? STANDBY_COORDINATOR_ARGS : CHAOS_COORDINATOR_ARGS),
    workerArgs: opts.workerArgs ?? CHAOS_WORKER_ARGS,
  });
  return { az, journal, dirs, prefix, fleet, defsDir, submitted: [], cancelName: null, cancelIssued: false };
}

/** Lets both runs finish (bounded), stops their processes, then reads storage once nothing writes. */
async function settle(
  ctx: RunContext,
  twin: RunContext,
  deadline: number,
  exits: string[],
): Promise<[StorageSnapshot, StorageSnapshot]> {
  await Promise.all([
    waitTerminal(ctx, deadline, async () => void exits.push(...ctx.fleet.reviveExited())),
    waitTerminal(twin, deadline),
  ]);
  await Promise.all([ctx.fleet.stop(), twin.fleet.stop()]);
  return Promise.all([snapshot(ctx), snapshot(twin)]);
}

/**
 * Runs the whole chaos scenario and returns its report (never throws for a mismatch; `ok` says). The
 * fault-free twin runs beside the chaos run on its own prefix, with the same waves and the same cancel.
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const deadline = started + opts.maxDurationS * 1000;
  const root = mkdtempSync(join(tmpdir(), 'jobq-chaos-'));
  const az = await startAzurite(opts.azurite === 'disk' ? { location: join(root, 'azurite') } : {});
  const chaos = newContext(az, root, 'Chaos', opts, opts.standby !== undefined);
  const clean = newContext(az, root, 'Clean', opts);
  const errors: string[] = [];
  try {
    chaos.fleet.start();
    clean.fleet.start();
    // Killing stops at 75 % of the budget; the rest is for letting the load finish.
    const phase = await chaosPhase(chaos, clean, opts, started + opts.maxDurationS * 750);
    opts.log(`chaos: kills done (${phase.kills}); waiting for ${chaos.submitted.length} workflows to finish`);
    const [chaosSnap, cleanSnap] = await settle(chaos, clean, deadline, phase.exits);
    const comparison = compareRuns({
      names: chaos.submitted.map((w) => w.name),
      parents: parentsOf(chaos.submitted),
      chaos: chaosSnap,
      clean: cleanSnap,
      chaosEffects: countEffects(readFileSync(chaos.dirs.effectsFile, 'utf8')),
      cleanEffects: countEffects(readFileSync(clean.dirs.effectsFile, 'utf8')),
    });
    if (phase.kills < opts.coordinatorKills) {
      errors.push(`only ${phase.kills} of ${opts.coordinatorKills} coordinator kills within the time bound`);
    }
    let failover: FailoverReport | undefined;
    if (opts.standby) {
      const fencing = checkFencing(readJournal(chaos.journal!));
      const { unclean_sigterm_exits, ...times } = phase.failover;
      failover = {
        sigterm: times.sigterm,
        kill9: times.kill9,
        kill9_since_last_renewal: times.kill9_since_last_renewal,
        sigterm_leader_released: times.sigterm_leader_released,
        unclean_sigterm_exits,
        fencing,
      };
      if (phase.sigterms < opts.standby.sigterms)
        errors.push(`only ${phase.sigterms} of ${opts.standby.sigterms} SIGTERMs within the time bound`);
      const rounds = phase.kills + phase.sigterms;
      if (failover.sigterm.n + failover.kill9.n < rounds)
        errors.push(
          `${rounds - failover.sigterm.n - failover.kill9.n} fail-overs without a new leader within 60 s`,
        );
      errors.push(...failover.unclean_sigterm_exits, ...fencing.violations.map((v) => `fencing: ${v}`));
      if (fencing.flushes === 0) errors.push('fencing: the flush journal recorded no flush');
    }
    const ok = comparison.mismatches.length === 0 && comparison.problems.length === 0 && errors.length === 0;
    return {
      ...comparison,
      ok,
      diagnostics: ok ? {} : { ...chaos.fleet.tails('chaos'), ...clean.fleet.tails('fault-free') },
      seed: opts.seed,
      azurite: opts.azurite,
      workflows: chaos.submitted.length,
      tasks: chaos.submitted.reduce((n, w) => n + w.tasks.length, 0),
      coordinator_kills: phase.kills,
      ...(failover ? { coordinator_sigterms: phase.sigterms, failover } : {}),
      worker_kills: phase.workerKills,
      unexpected_exits: phase.exits,
      run_s: (Date.now() - started) / 1000,
      leftover_queue_messages: await queueDepths(az.connectionString),
      errors,
    };
  } finally {
    for (const ctx of [chaos, clean]) {
      writeFileSync(ctx.dirs.stopFile, '');
      await ctx.fleet.kill();
    }
    await az.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
