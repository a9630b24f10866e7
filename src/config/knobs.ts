/**
 * Coordinator knobs (reference §5.1): one table giving each setting's yaml key, env var(s), type,
 * default and help, so the resolver, `config show` and the coordinator's CLI flags agree.
 */
// A namespace import lets the bundler drop what we do not use (zod's 40 locales, JSON-Schema import):
// `import { z }` binds zod's whole namespace object and kept 580 KB in every validate (issue 16).
import * as z from 'zod';
import { ConfigError } from '../errors.js';
import type { CoordinatorSettings, ValueSource } from './types.js';
import { DEFAULT_COORDINATOR_SETTINGS } from './defaults.js';

export type KnobKind = 'int' | 'number';

export interface CoordinatorKnob {
  key: keyof CoordinatorSettings;
  /** `coordinator:` key in jobq.yaml (snake_case). */
  yaml: string;
  /** `JOBQ_COORDINATOR_<UPPER_SNAKE>`. */
  env: string;
  /** Other env names accepted (reference docs' spellings); the canonical name wins. */
  envAliases: string[];
  /** CLI flag (kebab-case), e.g. `batch-size`. */
  flag: string;
  kind: KnobKind;
  /** null is allowed (and is the "off"/"unlimited" value). */
  nullable: boolean;
  default: number | null;
  help: string;
  /** What a valid value is, for error messages. */
  expect: string;
  schema: z.ZodType<number>;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const posInt = z.number().int().min(1);
const posNum = z.number().gt(0);
const nonNegNum = z.number().min(0);

type Spec = [
  key: keyof CoordinatorSettings,
  kind: KnobKind,
  schema: z.ZodType<number>,
  expect: string,
  help: string,
  aliases?: string[],
];

const SPECS: Spec[] = [
  [
    'batchSize',
    'int',
    posInt,
    'a positive integer',
    'Completions applied per batch cycle',
    ['JOBQ_COMPLETION_BATCH_SIZE'],
  ],
  [
    'visibilityTimeoutS',
    'number',
    posNum.max(7 * 24 * 3600),
    'seconds > 0',
    'Completion-queue visibility timeout (s)',
    ['JOBQ_COMPLETION_VISIBILITY_TIMEOUT_S'],
  ],
  ['idleSleepS', 'number', nonNegNum, 'seconds >= 0', 'First sleep when the completion queue is empty (s)'],
  [
    'maxIdleSleepS',
    'number',
    posNum,
    'seconds > 0',
    'Longest wait between polls of an empty completion queue (s): higher costs fewer transactions, wakes slower',
  ],
  [
    'cancelPollIntervalS',
    'number',
    posNum,
    'seconds > 0',
    'How often cancel requests are polled from the index (s)',
  ],
  [
    'flushRetryLimit',
    'int',
    posInt,
    'a positive integer',
    'Total attempts of a state flush after ETag conflicts',
  ],
  ['readySweepIntervalS', 'number', posNum, 'seconds > 0', 'Ready-repair sweep interval (s)'],
  [
    'readyRepairThresholdS',
    'number',
    posNum,
    'seconds > 0',
    'Age after which a ready task is re-dispatched by the sweep (s)',
  ],
  [
    'runningTimeoutS',
    'number',
    posNum,
    'seconds > 0, or none',
    'Fail running tasks older than this (s); none disables',
  ],
  ['runningSweepIntervalS', 'number', posNum, 'seconds > 0', 'Running-timeout sweep interval (s)'],
  [
    'activationSweepIntervalS',
    'number',
    posNum,
    'seconds > 0',
    'Sweep admitting pending workflows whose activation was lost (s)',
  ],
  ['orphanSweepIntervalS', 'number', posNum, 'seconds > 0', 'Sweep for blobs without index rows (s)'],
  ['statsLogIntervalS', 'number', posNum, 'seconds > 0', 'Interval of the stats log line (s)'],
  [
    'cacheMaxWorkflows',
    'int',
    posInt,
    'a positive integer',
    'Workflows kept decoded in the coordinator cache',
  ],
  [
    'cacheMaxTasks',
    'int',
    posInt,
    'a positive integer',
    'Tasks of all cached workflows together (bounds coordinator memory, about 125 B per task)',
  ],
  [
    'maxRunningWorkflows',
    'int',
    posInt,
    'a positive integer, or none',
    'Workflows running at once; none = unlimited',
    ['JOBQ_MAX_RUNNING_WORKFLOWS'],
  ],
  [
    'leaseDurationS',
    'int',
    z.number().int().min(15).max(60),
    'whole seconds from 15 to 60 (Azure blob lease limits)',
    'Coordinator lease duration (s)',
  ],
  [
    'leaseRenewIntervalS',
    'number',
    posNum,
    'seconds > 0, at most half of lease_duration_s (unset: 15, or a quarter of a shorter lease)',
    'How often the lease is renewed (s)',
  ],
  [
    'leaseAcquireIntervalS',
    'number',
    z.number().min(0.1).max(60),
    'seconds from 0.1 to 60',
    'How often a --standby coordinator tries to take the lease while another holds it (s)',
  ],
  [
    'indexRefreshIntervalS',
    'number',
    nonNegNum,
    'seconds >= 0',
    'Minimum seconds between index-row refreshes of a running workflow',
  ],
  ['maxReceivesPerCycle', 'int', posInt, 'a positive integer', 'Completion-queue receives per batch cycle'],
  ['pushConcurrency', 'int', posInt, 'a positive integer', 'Concurrent task-message sends'],
  [
    'ackConcurrency',
    'int',
    posInt,
    'a positive integer',
    'Most completion deletes in flight (fewer while storage only queues them)',
  ],
  [
    'metricsPort',
    'int',
    z.number().int().min(0).max(65535),
    'a port 0-65535, or none',
    'Serve Prometheus metrics on this port; none disables',
  ],
  [
    'healthPort',
    'int',
    z.number().int().min(0).max(65535),
    'a port 0-65535, or none',
    'Serve only /healthz and /readyz on this port (no metrics); none disables',
  ],
];

/**
 * Defaults of a `--standby` coordinator where the user set nothing: a fail-over after kill -9 then waits
 * at most lease + acquire interval (≈ 20.5 s) for the lease, and completions the dead leader held come back
 * within the visibility timeout (20 s), so no workflow pauses for much more than 20 s. Without
 * `--standby` the DECISIONS §4.6 defaults (60 s lease, renewed every 15 s) stay. The renew interval
 * follows the shorter lease (a quarter of it: 5 s) through checkLeaseTiming.
 */
export const STANDBY_DEFAULTS: Readonly<Partial<CoordinatorSettings>> = Object.freeze({
  leaseDurationS: 20,
  visibilityTimeoutS: 20,
});

/** Every coordinator setting, in display order. */
export const COORDINATOR_KNOBS: readonly CoordinatorKnob[] = SPECS.map(
  ([key, kind, schema, expect, help, aliases]) => ({
    key,
    yaml: snake(key),
    env: `JOBQ_COORDINATOR_${snake(key).toUpperCase()}`,
    envAliases: aliases ?? [],
    flag: snake(key).replace(/_/g, '-'),
    kind,
    nullable: DEFAULT_COORDINATOR_SETTINGS[key] === null,
    default: DEFAULT_COORDINATOR_SETTINGS[key],
    help,
    expect,
    schema,
  }),
);

const NULL_WORDS = new Set(['', 'none', 'null', 'off', 'disabled', 'unlimited']);

/** Parse and validate one knob value from any layer; throws a one-line ConfigError saying what to fix. */
export function parseKnobValue(knob: CoordinatorKnob, raw: unknown, where: string): number | null {
  const bad = () =>
    new ConfigError(
      `Invalid coordinator setting ${knob.yaml}=${JSON.stringify(raw)} (${where}): expected ${knob.expect}.`,
    );
  if (raw === null || (typeof raw === 'string' && NULL_WORDS.has(raw.trim().toLowerCase()))) {
    if (knob.nullable) return null;
    throw bad();
  }
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(n)) throw bad();
  const parsed = knob.schema.safeParse(n);
  if (!parsed.success) throw bad();
  return parsed.data;
}

export interface KnobLayers {
  flags: Partial<Record<keyof CoordinatorSettings, unknown>>;
  /** `--standby` mode: unset lease and visibility settings take STANDBY_DEFAULTS. */
  standby?: boolean;
  env: NodeJS.ProcessEnv;
  /** `coordinator:` section of the config file, snake_case keys (already checked for unknown keys). */
  file: Record<string, unknown>;
  filePath: string | null;
}

/**
 * DECISIONS §4.6 (lease = fence): a renewal must come early enough that a failed one can be retried
 * before the lease expires, so the renew interval is at most half the duration. A defaulted interval
 * follows a shortened duration (a quarter of it, as 15 is of 60) instead of failing.
 */
function checkLeaseTiming(s: CoordinatorSettings, renewSource: ValueSource): void {
  const half = s.leaseDurationS / 2;
  if (s.leaseRenewIntervalS <= half) return;
  if (renewSource === 'default') {
    s.leaseRenewIntervalS = s.leaseDurationS / 4;
    return;
  }
  throw new ConfigError(
    `Invalid coordinator settings: lease_renew_interval_s (${s.leaseRenewIntervalS}) must be at most half of ` +
      `lease_duration_s (${s.leaseDurationS}), i.e. <= ${half}, so a failed renewal can be retried before the lease ` +
      `expires; e.g. lease_renew_interval_s ${s.leaseDurationS / 4}.`,
  );
}

/** Resolve every knob: flag → env (canonical, then aliases) → file → default; then cross-field checks. */
export function resolveCoordinatorSettings(layers: KnobLayers): {
  settings: CoordinatorSettings;
  sources: Record<string, ValueSource>;
} {
  const settings = { ...DEFAULT_COORDINATOR_SETTINGS } as Record<keyof CoordinatorSettings, number | null>;
  const sources: Record<string, ValueSource> = {};
  for (const knob of COORDINATOR_KNOBS) {
    sources[knob.key] = 'default';
    const flag = layers.flags[knob.key];
    const envName = [knob.env, ...knob.envAliases].find((n) => layers.env[n] !== undefined);
    if (flag !== undefined) {
      settings[knob.key] = parseKnobValue(knob, flag, `flag --${knob.flag}`);
      sources[knob.key] = 'flag';
    } else if (envName) {
      settings[knob.key] = parseKnobValue(knob, layers.env[envName], `env ${envName}`);
      sources[knob.key] = 'env';
    } else if (knob.yaml in layers.file) {
      settings[knob.key] = parseKnobValue(
        knob,
        layers.file[knob.yaml],
        `coordinator.${knob.yaml} in ${layers.filePath}`,
      );
      sources[knob.key] = 'file';
    }
  }
  const s = settings as unknown as CoordinatorSettings;
  if (layers.standby) {
    for (const [key, value] of Object.entries(STANDBY_DEFAULTS) as [keyof CoordinatorSettings, number][]) {
      if (sources[key] === 'default') settings[key] = value;
    }
  }
  checkLeaseTiming(s, sources.leaseRenewIntervalS);
  if (s.maxIdleSleepS < s.idleSleepS) {
    throw new ConfigError(
      `Invalid coordinator settings: max_idle_sleep_s (${s.maxIdleSleepS}) must be >= idle_sleep_s (${s.idleSleepS}).`,
    );
  }
  return { settings: s, sources };
}
