/**
 * The main loop receives no faster than deletes keep up (as a raw receive+delete drain does): while
 * deletes are stuck, at most `ackBacklogLimit` acked messages wait for a delete, and only one more
 * batch is received and applied; once deletes resume, everything drains.
 */
import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/index.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import { silentLogger } from '../../../src/log.js';
import type { ReceivedMessage } from '../../../src/ports/queue.js';
import { ackBacklogLimit } from '../../../src/coordinator/main-loop.js';
import { fanOutFanIn, prefillCompletions, storeRunningWorkflow } from '../../integration/coordinator/seed.js';

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('coordinator ack back-pressure', () => {
  it('stops receiving while deletes lag, and drains once they resume', async () => {
    const backend = openMemoryBackend(createMemoryWorld(), 'MemAck');
    await backend.ensureResources();
    const tasks = await storeRunningWorkflow(backend, fanOutFanIn(400), 'wf-ack');
    await prefillCompletions(backend, 'wf-ack', tasks);
    const settings = { ...DEFAULT_COORDINATOR_SETTINGS, batchSize: 8, ackConcurrency: 4 };

    let received = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let open = false;
    const parked: (() => void)[] = [];
    const receive = backend.completions.receive.bind(backend.completions);
    const del = backend.completions.delete.bind(backend.completions);
    Object.assign(backend.completions, {
      receive: async (max: number, vis: number) => {
        // A receive takes real time (as on Azurite), so flushes and acks happen between receives.
        await new Promise((r) => setTimeout(r, 2));
        const got = await receive(max, vis);
        received += got.length;
        return got;
      },
      delete: async (m: ReceivedMessage) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (!open) await new Promise<void>((r) => parked.push(r));
        inFlight--;
        return del(m);
      },
    });

    const c = new Coordinator({ backend, settings, logger: silentLogger() });
    await c.start();
    await until(() => parked.length === settings.ackConcurrency);
    // Let the loop run on while every delete slot is stuck.
    await new Promise((r) => setTimeout(r, 100));
    const bound = ackBacklogLimit(settings);
    expect(bound).toBe(16);
    // Acked-but-undeleted messages ≤ bound, plus at most one batch received and applied after that.
    expect(received).toBeLessThanOrEqual(bound + 2 * settings.batchSize);
    expect(received).toBeGreaterThanOrEqual(bound);

    open = true;
    for (const r of parked.splice(0)) r();
    await until(() => c.stats().completions_handled === 400);
    await c.stop();
    expect(maxInFlight).toBe(settings.ackConcurrency);
    expect(c.stats().duplicate_completions).toBe(0);
    expect(await backend.completions.approximateDepth()).toBe(0);
  });
});
