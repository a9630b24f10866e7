import type { CommandModule } from 'yargs';
import { configBanner } from '../../config/resolve.js';
import { DEFAULT_DOCTOR_THRESHOLDS, runDoctor } from '../../client/doctor.js';
import type { DoctorCheck, DoctorReport } from '../../client/types.js';
import type { Backend } from '../../ports/backend.js';
import { redactSecrets } from '../../log.js';
import {
  assertReachable,
  cliLogger,
  positiveNumber,
  printJson,
  resolveTarget,
  terminal,
  type GlobalArgs,
  type Terminal,
} from '../context.js';

interface DoctorArgs extends GlobalArgs {
  json?: boolean;
  'stale-pending-sec': number;
  'stale-running-min': number;
  'stale-ready-min': number;
}

const GLYPH = { pass: '✔', warn: '⚠', fail: '✖', info: '·' } as const;

function render(t: Terminal, r: DoctorReport): void {
  const c = t.out;
  const paint = { pass: c.green, warn: c.yellow, fail: c.red, info: c.dim } as const;
  for (const ch of r.checks) {
    t.print(`${paint[ch.status](GLYPH[ch.status])} ${c.bold(ch.name)}: ${ch.message}`);
    if (ch.hint && ch.status !== 'pass') t.print(c.dim(`    → ${ch.hint}`));
  }
  t.print(`\nDoctor: ${r.summary.pass} passed, ${r.summary.warn} warning(s), ${r.summary.fail} error(s).`);
}

function envNote(env: NodeJS.ProcessEnv): string {
  const set = ['JOBQ_WORKFLOW_PREFIX', 'JOBQ_WORKFLOW_QUEUES', 'JOBQ_WORKFLOW_BLOBS']
    .filter((k) => env[k])
    .map((k) => `${k}=${env[k]}`);
  return set.length ? ` (${set.join(', ')})` : '';
}

/** Resolve config and reach storage, turning each failure into a failed check instead of an exit. */
async function preflight(
  a: DoctorArgs,
): Promise<{ checks: DoctorCheck[]; open: (() => Promise<Backend>) | null }> {
  let resolved;
  try {
    resolved = resolveTarget(a);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return {
      checks: [
        {
          name: 'Workflow config',
          status: 'fail',
          message: redactSecrets(msg),
          hint: 'Set JOBQ_WORKFLOW_PREFIX=<account>/<prefix> or pass ACCOUNT/PREFIX.',
        },
      ],
      open: null,
    };
  }
  const { cfg, target } = resolved;
  const checks: DoctorCheck[] = [
    {
      name: 'Workflow config',
      status: 'pass',
      message: redactSecrets(configBanner(cfg).replace(/^▶ /, '') + envNote(process.env)),
      hint: null,
    },
  ];
  try {
    await assertReachable(target);
  } catch (err) {
    checks.push({
      name: 'Workflow store',
      status: 'fail',
      message: (err as Error).message,
      hint: 'Start Azurite with `jobq azurite`, or point jobq at an Azure account.',
    });
    return { checks, open: null };
  }
  return {
    checks,
    // Storage adapters load only when the checks reach storage (start-up rule in commands/index.ts).
    open: async () =>
      (await import('../../adapters/azure/open.js')).openAzureBackend(target, {
        logger: cliLogger(a),
        checkReachable: false,
      }),
  };
}

/** `jobq workflow doctor`: health checks of the prefix; exit 1 if any check failed. */
export const doctorCommand: CommandModule = {
  command: 'doctor',
  describe: 'Check configuration, storage, coordinator lease, queues and stuck work (exit 1 on any failure)',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print {checks, summary} as JSON' })
      .option('stale-pending-sec', {
        type: 'number',
        default: DEFAULT_DOCTOR_THRESHOLDS.stalePendingSec,
        describe: 'Warn about workflows pending longer than this (s)',
      })
      .option('stale-running-min', {
        type: 'number',
        default: DEFAULT_DOCTOR_THRESHOLDS.staleRunningMin,
        describe: 'Warn about tasks running longer than this (min)',
      })
      .option('stale-ready-min', {
        type: 'number',
        default: DEFAULT_DOCTOR_THRESHOLDS.staleReadyMin,
        describe: 'Warn about workflows idle with ready tasks for longer than this (min)',
      }),
  handler: async (raw) => {
    const a = raw as unknown as DoctorArgs;
    const thresholds = {
      stalePendingSec: positiveNumber(a['stale-pending-sec'], '--stale-pending-sec'),
      staleRunningMin: positiveNumber(a['stale-running-min'], '--stale-running-min'),
      staleReadyMin: positiveNumber(a['stale-ready-min'], '--stale-ready-min'),
    };
    const t = terminal(a);
    const pre = await preflight(a);
    let report: DoctorReport;
    if (!pre.open) {
      const summary = { pass: 0, warn: 0, fail: 0, info: 0 };
      for (const ch of pre.checks) summary[ch.status]++;
      report = { checks: pre.checks, summary };
    } else {
      const backend = await pre.open();
      try {
        report = await runDoctor(backend, thresholds, Date.now(), pre.checks);
      } finally {
        await backend.close().catch(() => undefined);
      }
    }
    if (a.json) printJson(report);
    else render(t, report);
    if (report.summary.fail > 0) process.exitCode = 1;
  },
};
