/**
 * `npm run chaos [-- --kills 50 --seed 7 --azurite disk|memory --max-duration-s 900]`: the full crash and
 * chaos run (DECISIONS §7). `--standby` runs two --standby coordinators instead (issue 17): >= 30 kill -9s
 * and >= 10 SIGTERMs of the leader (`--kills`, `--sigterms`), fail-over times and the fencing proof in
 * the report. Prints one JSON report on stdout (progress on stderr) and exits 1 on any
 * mismatch with the fault-free replay, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { runChaos, type ChaosOptions } from './lib/harness.js';

/** Full-run defaults: >= 50 coordinator kills, bounded at 15 minutes. */
export const FULL_CHAOS: Omit<ChaosOptions, 'seed' | 'log'> = {
  workflowsPerWave: 25,
  coordinatorKills: 50,
  workerKillProbability: 0.5,
  workers: 3,
  workerConcurrency: 4,
  taskSleepS: 0.3,
  killGapS: [0.5, 4],
  maxDurationS: 900,
  azurite: 'disk',
};

/** `--standby` defaults: 30 leader kill -9s (each waits out a 15 s lease) and 10 SIGTERMs. */
export const STANDBY_CHAOS = { coordinatorKills: 30, sigterms: 10, maxDurationS: 1200 };

function options(argv: string[]): ChaosOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      kills: { type: 'string' },
      seed: { type: 'string' },
      azurite: { type: 'string' },
      'max-duration-s': { type: 'string' },
      'workflows-per-wave': { type: 'string' },
      workers: { type: 'string' },
      standby: { type: 'boolean' },
      sigterms: { type: 'string' },
    },
  });
  const standby = values.standby === true;
  const num = (v: string | undefined, fallback: number, name: string): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got '${v}'`);
    return n;
  };
  const azurite = values.azurite ?? FULL_CHAOS.azurite;
  if (azurite !== 'disk' && azurite !== 'memory')
    throw new Error(`--azurite must be disk or memory, got '${azurite}'`);
  return {
    ...FULL_CHAOS,
    azurite,
    coordinatorKills: num(
      values.kills,
      standby ? STANDBY_CHAOS.coordinatorKills : FULL_CHAOS.coordinatorKills,
      'kills',
    ),
    maxDurationS: num(
      values['max-duration-s'],
      standby ? STANDBY_CHAOS.maxDurationS : FULL_CHAOS.maxDurationS,
      'max-duration-s',
    ),
    ...(standby ? { standby: { sigterms: num(values.sigterms, STANDBY_CHAOS.sigterms, 'sigterms') } } : {}),
    workflowsPerWave: num(values['workflows-per-wave'], FULL_CHAOS.workflowsPerWave, 'workflows-per-wave'),
    workers: num(values.workers, FULL_CHAOS.workers, 'workers'),
    seed: num(values.seed, Math.floor(Math.random() * 2 ** 31), 'seed'),
    log: (msg) => process.stderr.write(`[chaos] ${msg}\n`),
  };
}

async function main(): Promise<number> {
  let opts: ChaosOptions;
  try {
    opts = options(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`chaos: ${(err as Error).message}\n`);
    return 2;
  }
  opts.log(
    `seed ${opts.seed}, ${opts.coordinatorKills} kills${opts.standby ? `, ${opts.standby.sigterms} SIGTERMs, two --standby coordinators` : ''}, azurite ${opts.azurite}, bound ${opts.maxDurationS} s`,
  );
  const report = await runChaos(opts);
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
