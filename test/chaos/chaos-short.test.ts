/**
 * The short chaos run inside `npm test`: real coordinator and worker child processes on a dedicated
 * Azurite, >= 5 coordinator kill -9s plus worker kills, then the same load fault-free; every workflow
 * must end in the fault-free state, every blob must decode, no completion may be lost.
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from './lib/harness.js';

describe('chaos (short)', () => {
  it(
    'ends every workflow in its fault-free state despite coordinator and worker kill -9s',
    { timeout: 150_000 },
    async () => {
      const report = await runChaos({
        workflowsPerWave: 6,
        coordinatorKills: 5,
        workerKillProbability: 0.6,
        workers: 2,
        workerConcurrency: 4,
        taskSleepS: 0.2,
        killGapS: [0.5, 2],
        maxDurationS: 100,
        seed: 20261125,
        azurite: 'memory',
        log: () => undefined,
      });
      // The report is the diagnostic when this fails.
      expect({ mismatches: report.mismatches, problems: report.problems, errors: report.errors }).toEqual({
        mismatches: [],
        problems: [],
        errors: [],
      });
      expect(report.coordinator_kills).toBeGreaterThanOrEqual(5);
      expect(report.ok).toBe(true);
    },
  );
});
