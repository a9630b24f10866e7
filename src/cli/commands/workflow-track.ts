/**
 * `jobq workflow track`: a local web dashboard of the prefix's workflows. Top-level imports stay light
 * (issue 16): the server, storage and layout code load inside the handler.
 */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.js';

interface TrackArgs extends GlobalArgs {
  port: number;
  host: string;
  open: boolean;
  'allow-actions': boolean;
  refresh: number;
}

/** Ports: 0 (any free one) to 65535; NaN for anything else. */
function parsePort(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : Number.NaN;
}

/** Open `url` in the desktop's browser when a launcher exists; never fails. */
async function openBrowser(url: string, note: (line: string) => void): Promise<void> {
  const { spawn } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const { delimiter, join } = await import('node:path');
  const launcher = process.platform === 'darwin' ? 'open' : 'xdg-open';
  const found = (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, launcher)));
  if (!found) return note(`No ${launcher} here: open ${url} in a browser.`);
  try {
    const child = spawn(launcher, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => note(`Could not start ${launcher}: open ${url} in a browser.`));
    child.unref();
  } catch {
    note(`Could not start ${launcher}: open ${url} in a browser.`);
  }
}

export const trackCommand: CommandModule = {
  command: 'track',
  describe: 'Serve a live web dashboard of the workflows (DAGs, task details; read-only by default)',
  builder: (y) =>
    y
      .option('port', { type: 'number', default: 8050, describe: 'Port to listen on (0 = any free port)' })
      .option('host', {
        type: 'string',
        default: '127.0.0.1',
        describe: 'Address to bind (loopback by default; anything else exposes the dashboard to the network)',
      })
      .option('open', {
        type: 'boolean',
        default: true,
        describe: 'Open the dashboard in a browser (--no-open to only print its URL)',
      })
      .option('allow-actions', {
        type: 'boolean',
        default: false,
        describe: 'Allow cancel and retry from the page (each asks for confirmation)',
      })
      .option('refresh', {
        type: 'number',
        default: 1,
        describe:
          'Seconds between checks of a watched workflow (one ETag request; the blob is read only when it changed)',
      })
      .example('$0 workflow track', 'Dashboard of the configured prefix on http://127.0.0.1:8050/')
      .example('$0 workflow myaccount/Prod track --port 0 --no-open --allow-actions', ''),
  handler: async (raw) => {
    const a = raw as unknown as TrackArgs;
    const ctxMod = await import('../context.js');
    const { UsageError, isJobqError } = await import('../../errors.js');
    const port = parsePort(a.port);
    if (Number.isNaN(port))
      throw new UsageError(
        `--port must be an integer from 0 to 65535, got '${ctxMod.rawFlagText('--port') ?? String(a.port)}'.`,
      );
    const refreshS = ctxMod.positiveNumber(a.refresh, '--refresh');
    const host = String(a.host ?? '').trim();
    if (host === '') throw new UsageError('--host must be an address or host name, e.g. 127.0.0.1.');
    const term = ctxMod.terminal(a);
    const logger = ctxMod.cliLogger(a);
    const { cfg, target } = ctxMod.resolveTarget(a);
    const { openAzureBackend } = await import('../../adapters/azure/open.js');
    const { WorkflowClient } = await import('../../client/workflow-client.js');
    const { startTrackServer } = await import('../../track/server.js');
    const { configBanner } = await import('../../config/resolve.js');
    const backend = await openAzureBackend(target, { logger, checkReachable: false });
    const client = new WorkflowClient({ backend, logger });
    // The account name, never a (even redacted) connection string: the label is on every page.
    const label = `${target.storage.account}/${target.prefix}`;
    term.note(term.err.dim(configBanner(cfg, 'track')));
    // A dead Azurite answers every storage call only after the SDK's retries: probe it first (cached 2 s).
    let reachableUntil = 0;
    const checkStorage = async () => {
      if (Date.now() < reachableUntil) return;
      await ctxMod.assertReachable(target);
      reachableUntil = Date.now() + 2_000;
    };
    await checkStorage().catch((err: unknown) =>
      term.note(
        `jobq: ${err instanceof Error ? err.message : String(err)} (the dashboard shows this until it is fixed)`,
      ),
    );
    let server;
    try {
      server = await startTrackServer({
        client,
        logger,
        label,
        host,
        port,
        allowActions: Boolean(a['allow-actions']),
        refreshS,
        checkStorage,
      });
    } catch (err) {
      await backend.close().catch(() => undefined);
      const code = (err as { code?: string }).code;
      if (code === 'EADDRINUSE')
        throw new UsageError(`port ${port} on ${host} is in use: pass --port N (0 picks a free port).`);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES')
        throw new UsageError(`cannot listen on ${host}:${port} (${code}): pass another --host or --port.`);
      if (isJobqError(err)) throw err;
      throw err;
    }
    const mode = a['allow-actions'] ? 'cancel and retry allowed' : 'read-only';
    term.note(`Serving ${mode} on ${host}; Ctrl-C to stop.`);
    term.print(`Dashboard of ${label}: ${server.url}`);
    if (!/^(127\.|localhost$|::1$)/.test(host))
      term.note(
        `Warning: ${host} is not a loopback address: anyone who can reach it sees the dashboard${a['allow-actions'] ? ' and can cancel and retry workflows' : ''}.`,
      );
    if (a.open) await openBrowser(server.url, term.note);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    await backend.close().catch(() => undefined);
  },
};
