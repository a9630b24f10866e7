import type { Argv, CommandModule } from 'yargs';
import type { CoordinatorSettings } from '../../config/types.js';
import { COORDINATOR_KNOBS } from '../../config/knobs.js';
import { resolveConfig, requireTarget } from '../../config/resolve.js';
import { createLogger } from '../../log.js';
import { coordinatorBanner } from '../../coordinator/banner.js';
import { finalStatsLine } from '../../coordinator/stats.js';
import type { GlobalArgs } from '../context.js';

interface CoordinatorArgs extends GlobalArgs {
  'break-lease'?: boolean;
  [flag: string]: unknown;
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

/** Install SIGINT/SIGTERM handlers that stop the coordinator once; returns their remover. */
function onSignals(stop: (signal: string) => void): () => void {
  let seen = false;
  const handler = (signal: NodeJS.Signals) => {
    if (seen) return;
    seen = true;
    stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** `jobq workflow coordinator`: the per-prefix daemon (reference §5, DECISIONS §4). */
export const coordinatorCommand: CommandModule = {
  command: 'coordinator',
  describe: 'Run the coordinator daemon for a prefix (one per prefix; holds the prefix lease)',
  builder: (y) =>
    knobOptions(y)
      .option('break-lease', {
        type: 'boolean',
        default: false,
        describe: 'Break an existing coordinator lease first (only if the old coordinator is really gone)',
      })
      .example(
        '$0 workflow myaccount/MyProject coordinator --max-running-workflows 20 --metrics-port 9464',
        '',
      )
      .epilog('Stops on SIGINT/SIGTERM after finishing the current cycle and releasing the lease.'),
  handler: async (raw) => {
    const a = raw as unknown as CoordinatorArgs;
    const cfg = resolveConfig({
      flags: {
        target: a.target,
        queues: a.queues,
        blobs: a.blobs,
        config: a.config,
        coordinator: knobFlags(a),
      },
    });
    const target = requireTarget(cfg);
    const logger = createLogger({ level: a['log-level'] ?? process.env.JOBQ_LOG_LEVEL ?? 'info' });
    process.stderr.write(coordinatorBanner(cfg) + '\n');
    // Storage adapters and the coordinator load only now, side by side (start-up rule in
    // commands/index.ts).
    const [{ openAzureBackend }, { Coordinator }] = await Promise.all([
      import('../../adapters/azure/open.js'),
      import('../../coordinator/coordinator.js'),
    ]);
    const backend = await openAzureBackend(target, { logger });
    const coordinator = new Coordinator({
      backend,
      settings: cfg.coordinator,
      logger,
      breakLease: a['break-lease'],
    });
    try {
      await coordinator.start();
      const removeHandlers = onSignals((signal) => {
        process.stderr.write(`Received ${signal}; shutting down coordinator…\n`);
        void coordinator.stop();
      });
      try {
        await coordinator.done;
      } finally {
        removeHandlers();
      }
      process.stderr.write(finalStatsLine(coordinator.stats()) + '\n');
    } finally {
      await backend.close().catch(() => undefined);
    }
  },
};
