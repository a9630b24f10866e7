import type { Argv, CommandModule } from 'yargs';
import type { CoordinatorSettings } from '../../config/types.js';
import type { CoordinatorHooks } from '../../coordinator/index.js';
import { COORDINATOR_KNOBS } from '../../config/knobs.js';
import { resolveConfig, requireTarget } from '../../config/resolve.js';
import { createLogger } from '../../log.js';
import { UsageError } from '../../errors.js';
import type { GlobalArgs } from '../context.js';
import { SignalGate } from '../signals.js';
import { coordinatorBanner } from '../../coordinator/banner.js';
import { finalStatsLine } from '../../coordinator/stats.js';
import { compileLongRunningCodeEagerly } from '../v8-tiering.js';

interface CoordinatorArgs extends GlobalArgs {
  'break-lease'?: boolean;
  'metrics-host'?: string;
  standby?: boolean;
  semaphore?: string[];
  [flag: string]: unknown;
}

/**
 * `JOBQ_TEST_COORDINATOR_HOLD=after-lease=MS[,before-release=MS]`: hold start-up just after the lease
 * is taken (a stop interrupts it), or shutdown just before the lease is released. For tests of
 * signals at precise moments; nothing else should set it.
 */
export function holdHooks(raw: string | undefined): CoordinatorHooks | undefined {
  if (!raw) return undefined;
  const hooks: CoordinatorHooks = {};
  for (const part of raw.split(',')) {
    const [point, msText] = part.split('=');
    const ms = Number(msText);
    if (!Number.isFinite(ms) || ms < 0 || (point !== 'after-lease' && point !== 'before-release'))
      throw new UsageError(
        `Invalid JOBQ_TEST_COORDINATOR_HOLD part '${part}': expected after-lease=MS or before-release=MS.`,
      );
    const sleep = () => new Promise<void>((r) => setTimeout(r, ms));
    if (point === 'after-lease') {
      hooks.afterLeaseAcquired = async (interrupted) => {
        let timer: NodeJS.Timeout | undefined;
        // The timer is cleared on stop, so a held start-up never keeps the stopped process alive.
        await Promise.race([new Promise<void>((r) => (timer = setTimeout(r, ms))), interrupted]);
        clearTimeout(timer);
      };
    } else hooks.beforeLeaseRelease = sleep;
  }
  return hooks;
}

/** One flag per coordinator knob (COORDINATOR_KNOBS), so flags, env, jobq.yaml and `config show` agree. */
function knobOptions(y: Argv): Argv {
  for (const k of COORDINATOR_KNOBS) {
    const env = [k.env, ...k.envAliases].join(', ');
    const dflt = k.default === null ? 'none' : String(k.default);
    y = y.option(k.flag, {
      // Strings so that "none" can switch a nullable knob off; parseKnobValue validates either form.
      type: 'string',
      describe: `${k.help} [default: ${dflt}; env ${env}; jobq.yaml coordinator.${k.yaml}]`,
    });
  }
  return y;
}

function knobFlags(a: CoordinatorArgs): Partial<Record<keyof CoordinatorSettings, unknown>> {
  const out: Partial<Record<keyof CoordinatorSettings, unknown>> = {};
  for (const k of COORDINATOR_KNOBS) if (a[k.flag] !== undefined) out[k.key] = a[k.flag];
  return out;
}

/** `jobq workflow coordinator`: the per-prefix daemon (reference §5, DECISIONS §4). */
export const coordinatorCommand: CommandModule = {
  command: 'coordinator',
  describe: 'Run the coordinator daemon for a prefix (one per prefix; holds the prefix lease)',
  builder: (y) =>
    knobOptions(y)
      .option('standby', {
        type: 'boolean',
        describe:
          'Hot standby: if another coordinator holds the lease, wait and take over when it is free ' +
          '(env JOBQ_COORDINATOR_STANDBY=1; jobq.yaml coordinator.standby). Unset lease/visibility ' +
          'settings then default to 20 s',
      })
      .option('semaphore', {
        type: 'string',
        array: true,
        describe:
          'Limit of a semaphore that tasks name with `semaphore: NAME`, as NAME=N (repeatable; merged over ' +
          'env JOBQ_COORDINATOR_SEMAPHORES=NAME=N,… and jobq.yaml coordinator.semaphores). Put limits in ' +
          'jobq.yaml or env too, so submit can refuse an unknown semaphore',
      })
      .option('metrics-host', {
        type: 'string',
        describe:
          'Address the metrics and probe servers bind [default: 127.0.0.1; env JOBQ_COORDINATOR_METRICS_HOST]; ' +
          '0.0.0.0 in a container, so the kubelet and Prometheus reach them (no authentication)',
      })
      .option('break-lease', {
        type: 'boolean',
        default: false,
        describe: 'Break an existing coordinator lease first (only if the old coordinator is really gone)',
      })
      .example(
        '$0 workflow myaccount/MyProject coordinator --max-running-workflows 20 --metrics-port 9464',
        '',
      )
      .example(
        '$0 workflow coordinator --standby --health-port 8080',
        'one of two replicas: leader or hot standby',
      )
      .epilog(
        'Stops on SIGINT/SIGTERM at any moment: finishes the current cycle, flushes, acks and releases the ' +
          'lease, then exits 0 (a standby just stops waiting). A second signal exits at once (130/143). ' +
          '/healthz answers 200 while the process is alive (leader or standby), /readyz only while it leads.',
      ),
  handler: async (raw) => {
    // First of all: a signal from here on stops cleanly (exit 0), whatever start-up is doing.
    const signals = new SignalGate((signal, code) => {
      process.stderr.write(`Received ${signal} again; exiting now (the lease expires on its own).\n`);
      process.exit(code);
    });
    try {
      await runCoordinator(raw as unknown as CoordinatorArgs, signals);
    } finally {
      signals.dispose();
    }
  },
};

async function runCoordinator(a: CoordinatorArgs, signals: SignalGate): Promise<void> {
  const cfg = resolveConfig({
    flags: {
      target: a.target,
      queues: a.queues,
      blobs: a.blobs,
      config: a.config,
      coordinator: knobFlags(a),
      standby: a.standby,
      semaphores: a.semaphore,
    },
  });
  const target = requireTarget(cfg);
  const hooks = holdHooks(process.env.JOBQ_TEST_COORDINATOR_HOLD);
  const logger = createLogger({ level: a['log-level'] ?? process.env.JOBQ_LOG_LEVEL ?? 'info' });
  process.stderr.write(coordinatorBanner(cfg) + '\n');
  compileLongRunningCodeEagerly();
  // Storage adapters and the coordinator load only now, side by side (start-up rule in
  // commands/index.ts).
  const [{ openAzureBackend }, { Coordinator }] = await Promise.all([
    import('../../adapters/azure/open.js'),
    import('../../coordinator/coordinator.js'),
  ]);
  if (signals.received) return;
  const backend = await openAzureBackend(target, { logger });
  try {
    if (signals.received) return;
    const coordinator = new Coordinator({
      backend,
      settings: cfg.coordinator,
      logger,
      breakLease: a['break-lease'],
      metricsHost: a['metrics-host'] || process.env.JOBQ_COORDINATOR_METRICS_HOST || undefined,
      standby: cfg.standby,
      hooks,
      flushJournal: process.env.JOBQ_COORDINATOR_FLUSH_JOURNAL || undefined,
      semaphores: cfg.semaphores.limits,
    });
    signals.onStop((signal) => {
      process.stderr.write(`Received ${signal}; shutting down coordinator…\n`);
      void coordinator.stop();
    });
    await coordinator.start();
    await coordinator.done;
    process.stderr.write(finalStatsLine(coordinator.stats()) + '\n');
  } finally {
    await backend.close().catch(() => undefined);
  }
}
