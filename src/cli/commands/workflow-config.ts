/** `jobq workflow config init|show` (reference §7.4): scaffold jobq.yaml; show resolved values and sources. */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError, UsageError } from '../../errors.js';
import { redactDeep, redactSecrets } from '../../log.js';
import { resolveConfig, type ResolvedConfig } from '../../config/resolve.js';
import { COORDINATOR_KNOBS } from '../../config/knobs.js';
import { renderConfigTemplate, type TemplateValues } from '../../config/template.js';

interface ConfigArgs {
  target?: string;
  queues?: string;
  blobs?: string;
  config?: string;
  path?: string;
  force?: boolean;
  json?: boolean;
}

const resolveFromArgs = (a: ConfigArgs) =>
  resolveConfig({ flags: { target: a.target, queues: a.queues, blobs: a.blobs, config: a.config } });

/** Values to pre-fill: resolved ones when configured, else the embedded default; never a secret. */
function templateValues(a: ConfigArgs): TemplateValues {
  let cfg: ResolvedConfig;
  try {
    cfg = resolveFromArgs(a);
  } catch (err) {
    // An invalid existing config must not stop `init --force` from replacing it.
    if (err instanceof ConfigError) return { storage: 'devstoreaccount1', prefix: 'Local' };
    throw err;
  }
  const secret = (s: string) => s.includes('***');
  const configured = (src: string) => src !== 'default';
  return {
    storage: secret(cfg.display.storage)
      ? 'myaccount  # was a connection string: paste it here'
      : cfg.display.storage,
    prefix: cfg.display.prefix === '<not set>' ? 'MyProject' : cfg.display.prefix,
    queues: configured(cfg.sources.queues) && !secret(cfg.display.queues) ? cfg.display.queues : undefined,
    blobs: configured(cfg.sources.blobs) ? cfg.display.blobs : undefined,
  };
}

function initHandler(a: ConfigArgs): void {
  const path = resolve(a.path ?? 'jobq.yaml');
  if (existsSync(path) && !a.force)
    throw new UsageError(`${path} already exists; pass --force to overwrite it.`);
  const dir = dirname(path);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new UsageError(`${dir} is not a directory; choose another --path.`);
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, renderConfigTemplate(templateValues(a)), { mode: 0o600 });
  process.stdout.write(`Wrote ${path}${created ? ` (created ${dir})` : ''}\n`);
}

/** The `config show --json` document (secrets redacted). */
export function configShowJson(cfg: ResolvedConfig): Record<string, unknown> {
  const coordinator: Record<string, unknown> = {};
  const coordinatorSources: Record<string, string> = {};
  for (const k of COORDINATOR_KNOBS) {
    coordinator[k.yaml] = cfg.coordinator[k.key];
    coordinatorSources[k.yaml] = cfg.coordinatorSources[k.key];
  }
  return redactDeep({
    storage: cfg.display.storage,
    prefix: cfg.display.prefix,
    queues: cfg.display.queues,
    blobs: cfg.display.blobs,
    sources: { ...cfg.sources, coordinator: coordinatorSources },
    config_path: cfg.configPath,
    coordinator,
    // Only when some are set (jobq.yaml coordinator.semaphores, JOBQ_COORDINATOR_SEMAPHORES).
    ...(Object.keys(cfg.semaphores.limits).length
      ? { semaphores: cfg.semaphores.limits, semaphore_sources: cfg.semaphores.sources }
      : {}),
    error: cfg.targetError ? cfg.targetError.message : null,
  });
}

function showText(cfg: ResolvedConfig): string {
  const row = (k: string, v: string, src: string) => `${`${k}:`.padEnd(10)}${v}  (${src})`;
  const lines = [
    row('storage', cfg.display.storage, cfg.sources.storage),
    row('prefix', cfg.display.prefix, cfg.sources.prefix),
    row('queues', cfg.display.queues, cfg.sources.queues),
    row('blobs', cfg.display.blobs, cfg.sources.blobs),
    `${'config:'.padEnd(10)}${cfg.configPath ?? '<none found>'}`,
    'coordinator:',
  ];
  for (const k of COORDINATOR_KNOBS) {
    const v = cfg.coordinator[k.key];
    lines.push(`  ${k.yaml}: ${v === null ? 'none' : v}  (${cfg.coordinatorSources[k.key]})`);
  }
  const semaphores = Object.entries(cfg.semaphores.limits).sort(([a], [b]) => a.localeCompare(b));
  if (semaphores.length) {
    lines.push('  semaphores:');
    for (const [name, n] of semaphores) lines.push(`    ${name}: ${n}  (${cfg.semaphores.sources[name]})`);
  }
  return redactSecrets(lines.join('\n')) + '\n';
}

function showHandler(a: ConfigArgs): void {
  const cfg = resolveFromArgs(a);
  process.stdout.write(a.json ? JSON.stringify(configShowJson(cfg), null, 2) + '\n' : showText(cfg));
  if (cfg.targetError) {
    process.stderr.write(`jobq: ${cfg.targetError.message}\n`);
    process.exitCode = 2;
  }
}

/** `jobq workflow config`. */
export const configCommand: CommandModule = {
  command: 'config',
  describe: 'Create a jobq.yaml, or show the resolved configuration and where each value came from',
  builder: (y: Argv) =>
    y
      .command<ConfigArgs>({
        command: 'init',
        describe: 'Write a commented jobq.yaml template (pre-filled with the resolved target)',
        builder: (yy) =>
          yy
            .option('path', { type: 'string', default: 'jobq.yaml', describe: 'Where to write the file' })
            .option('force', { type: 'boolean', default: false, describe: 'Overwrite an existing file' }),
        handler: initHandler,
      })
      .command<ConfigArgs>({
        command: 'show',
        describe:
          'Show storage, prefix, queues, blobs, config path and coordinator settings with their sources',
        builder: (yy) =>
          yy.option('json', { type: 'boolean', default: false, describe: 'Print JSON (secrets redacted)' }),
        handler: showHandler,
      })
      .demandCommand(1, 'Name a config command: init or show.'),
  handler: () => undefined,
};
