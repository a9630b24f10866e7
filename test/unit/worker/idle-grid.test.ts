/**
 * At the idle pace the coordinator polls the completion queue on the wall-clock grid of its cap and an
 * idle worker polls its queue just after that grid (issue 16), so a task dispatched when the
 * coordinator wakes is found at the worker's next poll. Real coordinator and worker on memory adapters,
 * 200 ms caps; where each poll falls within the 200 ms period is read off the wall clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/index.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import { WORKER_GRID_OFFSET_MS } from '../../../src/adapters/idle-backoff.js';
import { Worker } from '../../../src/worker/index.js';
import { silentLogger } from '../../../src/log.js';
import { waitFor } from '../../support/azurite.js';
import type { QueueClient } from '../../../src/ports/queue.js';

const CAP_MS = 200;

/** Record the wall-clock time of every receive on `q`. */
function recordReceives(q: QueueClient): number[] {
  const at: number[] = [];
  const receive = q.receive.bind(q);
  Object.assign(q, {
    receive: (max: number, vis: number) => {
      at.push(Date.now());
      return receive(max, vis);
    },
  });
  return at;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** Where the last `n` polls fell within the period (ms past a multiple of it). */
const phaseOf = (at: number[], n = 5) => median(at.slice(-n).map((t) => t % CAP_MS));

describe('idle polls on the wall-clock grid', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
  });

  it('the coordinator polls on its grid and an idle worker just after it', async () => {
    const backend = openMemoryBackend(createMemoryWorld(), 'Grid');
    await backend.ensureResources();
    const coordinatorPolls = recordReceives(backend.completions);
    const c = new Coordinator({
      backend,
      settings: { ...DEFAULT_COORDINATOR_SETTINGS, idleSleepS: 0.05, maxIdleSleepS: CAP_MS / 1000 },
      logger: silentLogger(),
    });
    await c.start();
    stops.push(() => c.stop());
    const workers = ['a', 'b'].map((queue) => {
      const polls = recordReceives(backend.queues.get(queue));
      const w = new Worker({
        backend,
        queue,
        concurrency: 1,
        visibilityTimeoutS: 30,
        idleTimeoutS: null,
        maxIdleBackoffS: CAP_MS / 1000,
        processor: 'noop',
        cancelPollIntervalS: 1,
        killTimeoutS: 5,
        completionSendMaxAttempts: 0,
        logger: silentLogger(),
      });
      stops.push(() => w.stop({ graceMs: 0 }));
      return { w, polls };
    });
    for (const { w } of workers) await w.start();
    // The worker's pace reaches its cap 4 × the cap after its last activity; then 6 polls on the grid.
    await waitFor(() => workers.every(({ polls }) => polls.length >= 12) && coordinatorPolls.length >= 12, {
      what: '12 polls each',
      timeoutMs: 15_000,
    });
    const gaps = (at: number[]) => at.slice(-5).map((t, i, xs) => (i === 0 ? CAP_MS : t - xs[i - 1]));
    expect(median(gaps(coordinatorPolls))).toBeGreaterThanOrEqual(CAP_MS - 2);
    expect(median(gaps(coordinatorPolls))).toBeLessThanOrEqual(CAP_MS + 10);
    expect(phaseOf(coordinatorPolls)).toBeLessThan(30);
    // Offset and spread are each at most a quarter of the period: 50–100 ms past the coordinator's point.
    const offset = Math.min(WORKER_GRID_OFFSET_MS, CAP_MS / 4);
    for (const { polls } of workers) {
      expect(median(gaps(polls))).toBeGreaterThanOrEqual(CAP_MS - 2);
      expect(median(gaps(polls))).toBeLessThanOrEqual(CAP_MS + 10);
      expect(phaseOf(polls)).toBeGreaterThanOrEqual(offset);
      expect(phaseOf(polls)).toBeLessThan(offset + CAP_MS / 4 + 30);
    }
  });
});
