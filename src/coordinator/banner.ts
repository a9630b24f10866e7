/** The coordinator's startup banner (reference §5.2), secrets redacted. */
import type { ResolvedConfig } from '../config/resolve.js';
import type { CoordinatorSettings, ValueSource } from '../config/types.js';
import { configBanner } from '../config/resolve.js';
import { redactSecrets } from '../log.js';

const secs = (v: number | null, off = 'disabled') => (v === null ? off : `${v}s`);

/** Banner line plus the target block: every knob with its source. */
export function coordinatorBanner(cfg: ResolvedConfig): string {
  const s: CoordinatorSettings = cfg.coordinator;
  const src = (k: keyof CoordinatorSettings): string => {
    const v: ValueSource | undefined = cfg.coordinatorSources[k];
    return v && v !== 'default' ? ` (${v})` : '';
  };
  const queues =
    cfg.target?.queues.kind === 'service-bus'
      ? `service bus ${cfg.display.queues}`
      : `storage queues ${cfg.display.queues}`;
  const lines = [
    configBanner(cfg, 'Coordinator'),
    `  state account:     ${cfg.display.storage}`,
    `  queue backend:     ${queues}`,
    `  batch size:        ${s.batchSize}${src('batchSize')}`,
    `  visibility:        ${secs(s.visibilityTimeoutS)}${src('visibilityTimeoutS')}`,
    `  idle sleep:        ${secs(s.idleSleepS)} (back-off cap ${secs(s.maxIdleSleepS)})${src('idleSleepS')}`,
    `  cancel poll:       every ${secs(s.cancelPollIntervalS)} per index shard${src('cancelPollIntervalS')}`,
    `  flush retry:       ${s.flushRetryLimit}${src('flushRetryLimit')}`,
    `  ready repair:      every ${secs(s.readySweepIntervalS)} per shard, threshold ${secs(s.readyRepairThresholdS)}`,
    `  running timeout:   ${secs(s.runningTimeoutS)}${src('runningTimeoutS')}, sweep every ${secs(s.runningSweepIntervalS)} per shard`,
    `  admission:         ${s.maxRunningWorkflows === null ? 'unlimited' : `${s.maxRunningWorkflows} running workflows`}${src('maxRunningWorkflows')}, activation sweep every ${secs(s.activationSweepIntervalS)} per shard`,
    `  cache:             ${s.cacheMaxWorkflows} workflows${src('cacheMaxWorkflows')}, ${s.cacheMaxTasks} tasks${src('cacheMaxTasks')}`,
    `  lease:             ${s.leaseDurationS}s, renewed every ${s.leaseRenewIntervalS}s`,
    `  mode:              ${cfg.standby ? `standby (waits for the lease, watching it every ${secs(s.leaseAcquireIntervalS)})` : 'single (exits if the lease is held)'}${cfg.standbySource !== 'default' ? ` (${cfg.standbySource})` : ''}`,
    `  metrics:           ${s.metricsPort === null ? 'off' : `port ${s.metricsPort}`}`,
    `  probes:            ${s.healthPort === null ? (s.metricsPort === null ? 'off' : `/healthz, /readyz on port ${s.metricsPort}`) : `/healthz, /readyz on port ${s.healthPort}`}`,
    'Starting workflow coordinator…',
  ];
  return redactSecrets(lines.join('\n'));
}
