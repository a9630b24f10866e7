import { describe, it, expect, afterEach, beforeEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../../src/config/resolve.js';
import { COORDINATOR_KNOBS } from '../../../src/config/knobs.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';

let cwd: string;
beforeEach(() => (cwd = mkdtempSync(join(tmpdir(), 'jobq-knobs-'))));
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const resolve = (coordinator: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) =>
  resolveConfig({ flags: { coordinator }, env, cwd, home: cwd });

describe('coordinator knobs', () => {
  it('covers every CoordinatorSettings key with yaml, env and flag names', () => {
    expect(COORDINATOR_KNOBS.map((k) => k.key).sort()).toEqual(
      Object.keys(DEFAULT_COORDINATOR_SETTINGS).sort(),
    );
    const batch = COORDINATOR_KNOBS.find((k) => k.key === 'batchSize')!;
    expect(batch).toMatchObject({
      yaml: 'batch_size',
      env: 'JOBQ_COORDINATOR_BATCH_SIZE',
      flag: 'batch-size',
      default: 32,
    });
    expect(COORDINATOR_KNOBS.find((k) => k.key === 'leaseDurationS')!.yaml).toBe('lease_duration_s');
  });

  it('defaults everything when nothing is set', () => {
    const cfg = resolve();
    expect(cfg.coordinator).toEqual(DEFAULT_COORDINATOR_SETTINGS);
    expect(new Set(Object.values(cfg.coordinatorSources))).toEqual(new Set(['default']));
  });

  it('flag → env → file → default, per knob', () => {
    writeFileSync(
      join(cwd, 'jobq.yaml'),
      'coordinator:\n  batch_size: 8\n  visibility_timeout_s: 90\n  idle_sleep_s: 0.25\n',
    );
    const cfg = resolve({ batchSize: 16 }, { JOBQ_COORDINATOR_VISIBILITY_TIMEOUT_S: '120' });
    expect(cfg.coordinator).toMatchObject({
      batchSize: 16,
      visibilityTimeoutS: 120,
      idleSleepS: 0.25,
      cancelPollIntervalS: 1,
    });
    expect(cfg.coordinatorSources).toMatchObject({
      batchSize: 'flag',
      visibilityTimeoutS: 'env',
      idleSleepS: 'file',
      cancelPollIntervalS: 'default',
    });
  });

  it("accepts the reference docs' env aliases, the canonical name winning", () => {
    expect(resolve({}, { JOBQ_COMPLETION_BATCH_SIZE: '4' }).coordinator.batchSize).toBe(4);
    expect(
      resolve({}, { JOBQ_COMPLETION_BATCH_SIZE: '4', JOBQ_COORDINATOR_BATCH_SIZE: '5' }).coordinator
        .batchSize,
    ).toBe(5);
    expect(resolve({}, { JOBQ_COMPLETION_VISIBILITY_TIMEOUT_S: '45' }).coordinator.visibilityTimeoutS).toBe(
      45,
    );
    expect(resolve({}, { JOBQ_MAX_RUNNING_WORKFLOWS: '3' }).coordinator.maxRunningWorkflows).toBe(3);
  });

  it('nullable knobs accept none/unlimited; others refuse it', () => {
    expect(resolve({ maxRunningWorkflows: 'unlimited', runningTimeoutS: 'none' }).coordinator).toMatchObject({
      maxRunningWorkflows: null,
      runningTimeoutS: null,
    });
    expect(() => resolve({ batchSize: 'none' })).toThrow(
      /batch_size="none" \(flag --batch-size\): expected a positive integer/,
    );
  });

  it('gives one line saying what to fix for invalid values', () => {
    expect(() => resolve({}, { JOBQ_COORDINATOR_BATCH_SIZE: 'abc' })).toThrow(
      'Invalid coordinator setting batch_size="abc" (env JOBQ_COORDINATOR_BATCH_SIZE): expected a positive integer.',
    );
    expect(() => resolve({ batchSize: 0 })).toThrow(/expected a positive integer/);
    expect(() => resolve({ batchSize: 2.5 })).toThrow(/expected a positive integer/);
    expect(() => resolve({ leaseDurationS: 10 })).toThrow(
      /lease_duration_s=10 .*whole seconds from 15 to 60/,
    );
    expect(() => resolve({ leaseDurationS: 61 })).toThrow(/from 15 to 60/);
    expect(() => resolve({ leaseDurationS: 30, leaseRenewIntervalS: 30 })).toThrow(
      /lease_renew_interval_s \(30\) must be at most half of lease_duration_s \(30\), i\.e\. <= 15/,
    );
    writeFileSync(join(cwd, 'jobq.yaml'), 'coordinator:\n  visibility_timeout_s: -1\n');
    expect(() => resolve()).toThrow(
      /visibility_timeout_s=-1 \(coordinator\.visibility_timeout_s in .*jobq\.yaml\): expected seconds > 0/,
    );
  });
});

describe('lease timing (DECISIONS §4.6: a renewal must leave time to retry before expiry)', () => {
  it('refuses a renew interval above half the lease duration, saying what fits', () => {
    expect(() => resolve({ leaseDurationS: 15, leaseRenewIntervalS: 14.9 })).toThrow(
      'Invalid coordinator settings: lease_renew_interval_s (14.9) must be at most half of lease_duration_s (15), ' +
        'i.e. <= 7.5, so a failed renewal can be retried before the lease expires; e.g. lease_renew_interval_s 3.75.',
    );
    expect(() => resolve({}, { JOBQ_COORDINATOR_LEASE_RENEW_INTERVAL_S: '31' })).toThrow(
      /\(31\) must be at most half/,
    );
  });

  it('accepts exactly half, and shortens a defaulted renew interval to a quarter of a short lease', () => {
    expect(resolve({ leaseDurationS: 20, leaseRenewIntervalS: 10 }).coordinator.leaseRenewIntervalS).toBe(10);
    expect(resolve({ leaseDurationS: 20 }).coordinator.leaseRenewIntervalS).toBe(5);
    expect(resolve({ leaseDurationS: 30 }).coordinator.leaseRenewIntervalS).toBe(15);
    expect(resolve({}).coordinator.leaseRenewIntervalS).toBe(15);
  });
});
