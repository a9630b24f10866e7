/**
 * The short two-coordinator chaos run inside `npm test` (issue 17): two --standby coordinator processes
 * on one prefix, the leader kill -9'd and stopped with SIGTERM while workers are killed too. Every
 * workflow must end as in the fault-free run, every SIGTERM must exit 0, each fail-over must produce a
 * new leader, and the flush journal must show no two leases' flushes overlapping or interleaving.
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from './lib/harness.js';

describe('chaos with two --standby coordinators (short)', () => {
  it(
    'hands over on SIGTERM and kill -9 of the leader without losing or double-flushing anything',
    { timeout: 240_000 },
    async () => {
      const report = await runChaos({
        workflowsPerWave: 5,
        coordinatorKills: 2,
        standby: { sigterms: 2 },
        workerKillProbability: 0.5,
        workers: 2,
        workerConcurrency: 4,
        taskSleepS: 0.2,
        killGapS: [0.5, 2],
        maxDurationS: 200,
        seed: 20261201,
        azurite: 'memory',
        log: () => undefined,
      });
      expect({ mismatches: report.mismatches, problems: report.problems, errors: report.errors }).toEqual({
        mismatches: [],
        problems: [],
        errors: [],
      });
      expect(report.coordinator_kills).toBe(2);
      expect(report.coordinator_sigterms).toBe(2);
      expect(report.failover?.sigterm.n).toBe(2);
      expect(report.failover?.kill9.n).toBe(2);
      expect(report.failover?.fencing.leases).toBeGreaterThanOrEqual(2);
      expect(report.failover?.fencing.violations).toEqual([]);
      expect(report.ok).toBe(true);
    },
  );
});
