/** `jobq azurite`: the embedded Azurite in the foreground (DECISIONS §1–2), stopped by Ctrl+C / SIGTERM. */
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import {
  isListening,
  startAzurite,
  type AzuritePorts,
  type EmbeddedAzurite,
} from '../../azurite/embedded.js';
import { azuriteAccount } from '../../config/accounts.js';
import type { AccountSpec } from '../../config/types.js';
import {
  AZURITE_ACCOUNT,
  AZURITE_DATA_DIR,
  AZURITE_DEFAULT_PORTS,
  EMBEDDED_DEFAULT_PREFIX,
} from '../../config/defaults.js';

interface AzuriteArgs {
  location: string;
  'in-memory': boolean;
  'blob-port'?: number;
  'queue-port'?: number;
  'table-port'?: number;
}

/** Ports from flags, else BLOB_PORT/QUEUE_PORT/TABLE_PORT, else 10000/10001/10002. */
export function azuritePorts(a: Partial<AzuriteArgs>, env: NodeJS.ProcessEnv = process.env): AzuritePorts {
  const fromEnv = azuriteAccount(env) as Extract<AccountSpec, { kind: 'azurite' }>;
  return {
    blob: a['blob-port'] ?? fromEnv.blobPort,
    queue: a['queue-port'] ?? fromEnv.queuePort,
    table: a['table-port'] ?? fromEnv.tablePort,
  };
}

async function assertPortsFree(ports: AzuritePorts): Promise<void> {
  for (const [service, port] of Object.entries(ports)) {
    if (await isListening(port)) {
      throw new UsageError(
        `Port ${port} (${service}) is already in use: another Azurite may be running. Stop it, or pick other ports with --${service}-port.`,
      );
    }
  }
}

/** What to print once Azurite listens: endpoints and the environment other shells need. */
export function azuriteBanner(az: Pick<EmbeddedAzurite, 'host' | 'ports'>, where: string): string {
  const nonDefault = (['blob', 'queue', 'table'] as const).filter(
    (s) => az.ports[s] !== AZURITE_DEFAULT_PORTS[s],
  );
  const lines = [
    `Azurite is running (${where}).`,
    ...(['blob', 'queue', 'table'] as const).map(
      (s) => `  ${s.padEnd(6)}http://${az.host}:${az.ports[s]}/${AZURITE_ACCOUNT}`,
    ),
    '',
    `jobq uses it by default (target ${AZURITE_ACCOUNT}/${EMBEDDED_DEFAULT_PREFIX}); to pick another prefix:`,
    `  export JOBQ_WORKFLOW_PREFIX=${AZURITE_ACCOUNT}/MyProject`,
    ...nonDefault.map((s) => `  export ${s.toUpperCase()}_PORT=${az.ports[s]}`),
    '',
    'Press Ctrl+C to stop.',
  ];
  return lines.join('\n') + '\n';
}

/** Resolve when SIGINT/SIGTERM arrives or Azurite stops listening; returns the exit code. */
function untilStopped(az: EmbeddedAzurite): Promise<number> {
  return new Promise((done) => {
    const finish = (code: number) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      clearInterval(watch);
      done(code);
    };
    const onSignal = () => finish(0);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const watch = setInterval(() => {
      void isListening(az.ports.blob, az.host, 2_000).then((up) => {
        if (!up) {
          process.stderr.write('jobq: Azurite stopped unexpectedly.\n');
          finish(1);
        }
      });
    }, 5_000);
  });
}

async function azuriteHandler(a: AzuriteArgs): Promise<void> {
  const ports = azuritePorts(a);
  await assertPortsFree(ports);
  const location = a['in-memory'] ? undefined : resolve(a.location);
  const az = await startAzurite({ ports, location, startTimeoutMs: 60_000 });
  process.stdout.write(azuriteBanner(az, location ? `data in ${location}` : 'in memory, nothing is kept'));
  const code = await untilStopped(az);
  process.stdout.write('Stopping Azurite…\n');
  await az.stop();
  process.exitCode = code;
}

/** `jobq azurite`. */
export const azuriteCommand: CommandModule<object, AzuriteArgs> = {
  command: 'azurite',
  describe: 'Run the embedded Azure Storage emulator (Azurite) on 10000/10001/10002 in the foreground',
  builder: (y: Argv) =>
    y
      .option('location', {
        type: 'string',
        default: AZURITE_DATA_DIR,
        describe: 'Data directory (disk persistence)',
      })
      .option('in-memory', {
        type: 'boolean',
        default: false,
        describe: 'Keep data in memory only (lost on exit)',
      })
      .option('blob-port', { type: 'number', describe: 'Blob port (default BLOB_PORT or 10000)' })
      .option('queue-port', { type: 'number', describe: 'Queue port (default QUEUE_PORT or 10001)' })
      .option('table-port', {
        type: 'number',
        describe: 'Table port (default TABLE_PORT or 10002)',
      }) as unknown as Argv<AzuriteArgs>,
  handler: azuriteHandler,
};
