/**
 * One resolver for flags, env and jobq.yaml (reference §7.1, DECISIONS §2): precedence flag → env →
 * file → default, every value's source recorded, secrets redacted in the display form.
 */
import { homedir } from 'node:os';
import { ConfigError } from '../errors.js';
import { redactSecrets } from '../log.js';
import type { AccountSpec, CoordinatorSettings, QueuesSpec, Target, ValueSource } from './types.js';
import { AZURITE_ACCOUNT, DEFAULT_BLOBS_CONTAINER, EMBEDDED_DEFAULT_PREFIX } from './defaults.js';
import { parseAccount, parseQueuesBackend } from './accounts.js';
import { discoverConfigPath, loadConfigFile, type ConfigFile } from './file.js';
import { resolveCoordinatorSettings } from './knobs.js';
import { resolveSemaphores, type ResolvedSemaphores } from './semaphores.js';
import { checkContainerName, checkPrefix, splitPair } from './target-strings.js';

export interface ResolveInput {
  flags: {
    target?: string;
    queues?: string;
    blobs?: string;
    config?: string;
    coordinator?: Partial<Record<keyof CoordinatorSettings, unknown>>;
    /** `--standby` (unset: env JOBQ_COORDINATOR_STANDBY, then `coordinator.standby`, then false). */
    standby?: boolean;
    /** `--semaphore NAME=N` values (merged over env JOBQ_COORDINATOR_SEMAPHORES and `coordinator.semaphores`). */
    semaphores?: readonly string[];
  };
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
}

export interface ResolvedConfig {
  target: Target | null;
  targetError: ConfigError | null;
  sources: { storage: ValueSource; prefix: ValueSource; queues: ValueSource; blobs: ValueSource };
  configPath: string | null;
  coordinator: CoordinatorSettings;
  coordinatorSources: Record<string, ValueSource>;
  /** Hot-standby mode of the coordinator: wait for the lease instead of exiting. */
  standby: boolean;
  standbySource: ValueSource;
  /** Semaphore limits for locked tasks (issue 19). */
  semaphores: ResolvedSemaphores;
  /** Redacted strings for banners, `config show` and logs. */
  display: { storage: string; prefix: string; queues: string; blobs: string };
}

interface Picked {
  value: string | undefined;
  source: ValueSource;
}

const LEGACY_ENV = ['JOBQ_WORKFLOW_STATE', 'JOBQ_WORKFLOW'] as const;

function checkLegacyEnv(env: NodeJS.ProcessEnv): void {
  const set = LEGACY_ENV.filter((k) => env[k] !== undefined && env[k] !== '');
  if (set.length === 0) return;
  throw new ConfigError(
    `${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} no longer supported. Migrate to JOBQ_WORKFLOW_PREFIX=<account>/<prefix> ` +
      '(state account and prefix), JOBQ_WORKFLOW_QUEUES=<account|connection string|sb://namespace> (optional queue backend) ' +
      `and JOBQ_WORKFLOW_BLOBS=<account>/<container> (optional file outputs), then unset ${set.join(' and ')}.`,
  );
}

function missingTargetError(missing: string): ConfigError {
  return new ConfigError(
    `Workflow ${missing} not configured. Set JOBQ_WORKFLOW_PREFIX=<account>/<prefix> (for example, ` +
      'JOBQ_WORKFLOW_PREFIX=mystorageaccount/MyProject), pass STORAGE/PREFIX positionally to `jobq workflow`, ' +
      "or add a 'connection:' section to a jobq.yaml config file.",
  );
}

/** Storage and prefix from the highest layer that sets them (flag and env give both at once). */
function pickStoragePrefix(input: ResolveInput, env: NodeJS.ProcessEnv, file: ConfigFile | null) {
  const layers: [string | undefined, ValueSource, string][] = [
    [input.flags.target, 'flag', 'the ACCOUNT/PREFIX argument'],
    [env.JOBQ_WORKFLOW_PREFIX, 'env', 'JOBQ_WORKFLOW_PREFIX'],
  ];
  for (const [value, source, origin] of layers) {
    if (value === undefined || value === '') continue;
    const [account, prefix] = splitPair(value, origin, 'prefix');
    return { storage: { value: account, source }, prefix: { value: prefix, source } };
  }
  const fromFile = (v: string | undefined): Picked =>
    v !== undefined ? { value: v, source: 'file' } : { value: undefined, source: 'default' };
  const storage = fromFile(file?.connection.storage);
  const prefix = fromFile(file?.connection.prefix);
  if (storage.value === undefined && prefix.value === undefined) {
    // DECISIONS §2: nothing configured → the embedded Azurite default.
    return {
      storage: { value: AZURITE_ACCOUNT, source: 'default' as const },
      prefix: { value: EMBEDDED_DEFAULT_PREFIX, source: 'default' as const },
    };
  }
  return { storage, prefix };
}

function pick(flag: string | undefined, envValue: string | undefined, fileValue: string | undefined): Picked {
  if (flag !== undefined && flag !== '') return { value: flag, source: 'flag' };
  if (envValue !== undefined && envValue !== '') return { value: envValue, source: 'env' };
  if (fileValue !== undefined) return { value: fileValue, source: 'file' };
  return { value: undefined, source: 'default' };
}

function buildTarget(
  storageRaw: string,
  prefix: string,
  queues: Picked,
  blobs: Picked,
  env: NodeJS.ProcessEnv,
): Target {
  checkPrefix(prefix);
  const storage: AccountSpec = parseAccount(storageRaw, env);
  const queuesSpec: QueuesSpec =
    queues.value !== undefined
      ? parseQueuesBackend(queues.value, env)
      : { kind: 'storage', account: storage };
  let blobsSpec: Target['blobs'] = { account: storage, container: DEFAULT_BLOBS_CONTAINER };
  if (blobs.value !== undefined) {
    const origin =
      blobs.source === 'flag'
        ? '--blobs'
        : blobs.source === 'env'
          ? 'JOBQ_WORKFLOW_BLOBS'
          : 'connection.blobs';
    const [account, container] = splitPair(blobs.value, origin, 'container');
    checkContainerName(container, origin);
    blobsSpec = { account: account === storageRaw ? storage : parseAccount(account, env), container };
  }
  return { storage, prefix, queues: queuesSpec, blobs: blobsSpec };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', '']);

/** `--standby` → JOBQ_COORDINATOR_STANDBY → `coordinator.standby` in jobq.yaml → false. */
function resolveStandby(
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv,
  file: ConfigFile | null,
  filePath: string | null,
): { value: boolean; source: ValueSource } {
  if (flag !== undefined) return { value: flag, source: 'flag' };
  const raw = env.JOBQ_COORDINATOR_STANDBY;
  if (raw !== undefined) {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return { value: true, source: 'env' };
    if (FALSE_WORDS.has(word)) return { value: false, source: 'env' };
    throw new ConfigError(
      `Invalid JOBQ_COORDINATOR_STANDBY=${JSON.stringify(raw)}: expected 1 or 0 (true/false).`,
    );
  }
  const fromFile = file?.coordinator.standby;
  if (fromFile === undefined || fromFile === null) return { value: false, source: 'default' };
  if (typeof fromFile !== 'boolean')
    throw new ConfigError(
      `Invalid coordinator setting standby=${JSON.stringify(fromFile)} (coordinator.standby in ${filePath}): expected true or false.`,
    );
  return { value: fromFile, source: 'file' };
}

/**
 * Resolve the configuration. Throws ConfigError for problems every command must hear about (legacy env,
 * unreadable or invalid config file, invalid coordinator knobs); a missing or malformed target is
 * returned as `targetError` so commands that need no storage (`config init`, `validate`) still run.
 */
export function resolveConfig(input: ResolveInput): ResolvedConfig {
  const env = input.env ?? process.env;
  checkLegacyEnv(env);
  const cwd = input.cwd ?? process.cwd();
  const configPath = discoverConfigPath(input.flags.config, env, cwd, input.home ?? homedir());
  const file = configPath ? loadConfigFile(configPath) : null;
  const standby = resolveStandby(input.flags.standby, env, file, configPath);
  const { settings, sources: coordinatorSources } = resolveCoordinatorSettings({
    flags: input.flags.coordinator ?? {},
    standby: standby.value,
    env,
    file: file?.coordinator ?? {},
    filePath: configPath,
  });
  const semaphores = resolveSemaphores({
    flags: input.flags.semaphores,
    env,
    file: file?.coordinator.semaphores,
    filePath: configPath,
  });
  const queues = pick(input.flags.queues, env.JOBQ_WORKFLOW_QUEUES, file?.connection.queues);
  const blobs = pick(input.flags.blobs, env.JOBQ_WORKFLOW_BLOBS, file?.connection.blobs);
  let target: Target | null = null;
  let targetError: ConfigError | null = null;
  let storage: Picked = { value: undefined, source: 'default' };
  let prefix: Picked = { value: undefined, source: 'default' };
  try {
    ({ storage, prefix } = pickStoragePrefix(input, env, file));
    const missing = [
      storage.value === undefined ? 'storage account' : null,
      prefix.value === undefined ? 'prefix' : null,
    ].filter(Boolean);
    if (missing.length > 0) throw missingTargetError(missing.join(' and '));
    target = buildTarget(storage.value!, prefix.value!, queues, blobs, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    targetError = new ConfigError(redactSecrets(err.message));
  }
  const display = {
    storage: redactSecrets(storage.value ?? '<not set>'),
    prefix: prefix.value ?? '<not set>',
    queues: redactSecrets(queues.value ?? storage.value ?? '<not set>'),
    blobs: redactSecrets(blobs.value ?? `${storage.value ?? '<not set>'}/${DEFAULT_BLOBS_CONTAINER}`),
  };
  return {
    target,
    targetError,
    sources: { storage: storage.source, prefix: prefix.source, queues: queues.source, blobs: blobs.source },
    configPath,
    coordinator: settings,
    coordinatorSources,
    standby: standby.value,
    standbySource: standby.source,
    semaphores,
    display,
  };
}

/** The target, or the reason there is none (a one-line ConfigError). */
export function requireTarget(cfg: ResolvedConfig): Target {
  if (cfg.target) return cfg.target;
  throw cfg.targetError ?? missingTargetError('storage account and prefix');
}

/** `▶ [<Action> ]<account>[(src)]/<prefix>[(src)]  queues=…  blobs=…[  [config: path]]` (reference §7.2), redacted. */
export function configBanner(cfg: ResolvedConfig, action?: string): string {
  const tag = (s: ValueSource) => (s === 'default' ? '' : `(${s})`);
  const parts = [
    `▶ ${action ? `${action} ` : ''}${cfg.display.storage}${tag(cfg.sources.storage)}/${cfg.display.prefix}${tag(cfg.sources.prefix)}`,
    `queues=${cfg.display.queues}${tag(cfg.sources.queues)}`,
    `blobs=${cfg.display.blobs}${tag(cfg.sources.blobs)}`,
  ];
  if (cfg.configPath) parts.push(`[config: ${cfg.configPath}]`);
  return parts.join('  ');
}
