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
import { Fleet, CHAOS_COORDINATOR_ARGS, CHAOS_WORKER_ARGS } from './fleet.js';
import { chaosWorkflow, retargetWorkflow, type ChaosWorkflow, type LoadDirs } from './load.js';
import { snapshotStorage, queueDepths, type StorageSnapshot } from './inspect.js';
import { runJobq } from './jobq-process.js';
import { seededRandom, between } from './random.js';
import { compareRuns, countEffects, type Comparison } from './verdict.js';

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
  log(msg: string): void;
}

export interface ChaosReport extends Comparison {
  ok: boolean;
  seed: number;
  azurite: 'disk' | 'memory';
  workflows: number;
  tasks: number;
  coordinator_kills: number;
  worker_kills: number;
  unexpected_exits: string[];
  /** Wall time of the whole run (chaos and its fault-free twin run side by side). */
  run_s: number;
  leftover_queue_messages: Record<string, number>;
  errors: string[];
  /** Last log lines of each process when the run failed (empty when ok). */
  diagnostics: Record<string, string[]>;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

interface RunContext {
  az: EmbeddedAzurite;
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
): Promise<{ kills: number; workerKills: number; exits: string[] }> {
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
  try {
    while (kills < opts.coordinatorKills && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, between(rand, opts.killGapS[0], opts.killGapS[1]) * 1000));
      exits.push(...ctx.fleet.reviveExited(), ...twin.fleet.reviveExited().map((e) => `fault-free ${e}`));
      await ctx.fleet.coordinator.kill9();
      kills++;
      ctx.fleet.coordinator.start();
      if (rand() < opts.workerKillProbability) {
        const victim = ctx.fleet.workers[Math.floor(rand() * ctx.fleet.workers.length)];
        await victim.kill9();
        workerKills++;
        victim.start();
      }
      if (kills % 10 === 0) {
        opts.log(
          `chaos: ${kills} coordinator kills, ${workerKills} worker kills, ${ctx.submitted.length} workflows`,
        );
      }
    }
  } finally {
    killing = false;
    await driver;
  }
  return { kills, workerKills, exits };
}

function newContext(az: EmbeddedAzurite, root: string, tag: string, opts: ChaosOptions): RunContext {
  const prefix = `${tag}${randomBytes(4).toString('hex')}`;
  const defsDir = join(root, `${tag}-defs`);
  mkdirSync(defsDir, { recursive: true });
  const dirs = makeDirs(root, tag, prefix);
  const fleet = new Fleet({
    prefix,
    queue: dirs.queue,
    azuriteEnv: az.env(),
    workers: opts.workers,
    workerConcurrency: opts.workerConcurrency,
    coordinatorArgs: opts.coordinatorArgs ?? CHAOS_COORDINATOR_ARGS,
    workerArgs: opts.workerArgs ?? CHAOS_WORKER_ARGS,
  });
  return { az, dirs, prefix, fleet, defsDir, submitted: [], cancelName: null, cancelIssued: false };
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
  const chaos = newContext(az, root, 'Chaos', opts);
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
      chaos: chaosSnap,
      clean: cleanSnap,
      chaosEffects: countEffects(readFileSync(chaos.dirs.effectsFile, 'utf8')),
      cleanEffects: countEffects(readFileSync(clean.dirs.effectsFile, 'utf8')),
    });
    if (phase.kills < opts.coordinatorKills) {
      errors.push(`only ${phase.kills} of ${opts.coordinatorKills} coordinator kills within the time bound`);
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
