/**
 * Starts the Azurite emulator from the `azurite` npm package as a child process on loopback.
 * Used by `jobq azurite`, `run-local`, the test suite and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../config/defaults.js';
import { isListening, LOOPBACK_HOST } from './port-probe.js';

export { isListening, probePort } from './port-probe.js';

export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

export interface EmbeddedAzurite {
  readonly host: string;
  readonly ports: AzuritePorts;
  readonly pid: number;
  /** Connection string for the well-known dev account on these ports. */
  readonly connectionString: string;
  /** Environment variables that point jobq at this instance (`BLOB_PORT`, `QUEUE_PORT`, `TABLE_PORT`). */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** Fixed ports; 0 or missing picks free ones. */
  ports?: Partial<AzuritePorts>;
  /** Disk persistence directory; omitted → in-memory. */
  location?: string;
  /** Inherit stdio (foreground `jobq azurite`). */
  inheritStdio?: boolean;
  startTimeoutMs?: number;
  /** Node.js options for the Azurite process, before its entry point (the benchmarks' `--require` hook). */
  nodeArgs?: string[];
  /** Extra environment for the Azurite process. */
  env?: Record<string, string>;
}

const HOST = LOOPBACK_HOST;

export function azuriteEntryPoint(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('azurite/package.json');
  return join(dirname(pkg), 'dist', 'src', 'azurite.js');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function azuriteConnectionString(host: string, ports: AzuritePorts): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};` +
    `BlobEndpoint=http://${host}:${ports.blob}/${AZURITE_ACCOUNT};` +
    `QueueEndpoint=http://${host}:${ports.queue}/${AZURITE_ACCOUNT};` +
    `TableEndpoint=http://${host}:${ports.table}/${AZURITE_ACCOUNT};`
  );
}

export async function startAzurite(opts: StartAzuriteOptions = {}): Promise<EmbeddedAzurite> {
  const ports: AzuritePorts = {
    blob: opts.ports?.blob || (await freePort()),
    queue: opts.ports?.queue || (await freePort()),
    table: opts.ports?.table || (await freePort()),
  };
  const args = [
    ...(opts.nodeArgs ?? []),
    azuriteEntryPoint(),
    '--blobHost',
    HOST,
    '--queueHost',
    HOST,
    '--tableHost',
    HOST,
    '--blobPort',
    String(ports.blob),
    '--queuePort',
    String(ports.queue),
    '--tablePort',
    String(ports.table),
    '--silent',
    '--loose',
    '--skipApiVersionCheck',
    '--disableTelemetry',
  ];
  if (opts.location) {
    mkdirSync(opts.location, { recursive: true });
    args.push('--location', opts.location);
  } else {
    args.push('--inMemoryPersistence');
  }
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: opts.inheritStdio ? 'inherit' : ['ignore', 'ignore', 'pipe'],
    detached: false,
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 10_000) stderr = stderr.slice(-10_000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new Error(`Azurite exited during start-up: ${stderr.trim() || 'no output'}`);
    const up = await Promise.all([
      isListening(ports.blob),
      isListening(ports.queue),
      isListening(ports.table),
    ]);
    if (up.every(Boolean)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Azurite did not start within ${opts.startTimeoutMs ?? 30_000} ms: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const connectionString = azuriteConnectionString(HOST, ports);
  return {
    host: HOST,
    ports,
    pid: child.pid ?? -1,
    connectionString,
    env: () => ({
      BLOB_PORT: String(ports.blob),
      QUEUE_PORT: String(ports.queue),
      TABLE_PORT: String(ports.table),
    }),
    stop: () => stopChild(child, () => exited),
  };
}

async function stopChild(child: ChildProcess, hasExited: () => boolean): Promise<void> {
  if (hasExited()) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  // Azurite ignores SIGTERM while blocked in an extent GC sweep (research/azurite-limits.md §7).
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await gone;
  clearTimeout(timer);
}
