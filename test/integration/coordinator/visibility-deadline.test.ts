/**
 * DECISIONS §4.15 on Azurite: reading ahead of slow deletes must never hold a message until its
 * visibility timeout runs out (it would be received again: a duplicate completion and a second delete).
 * Completion-queue visibility timeout 2 s; every delete takes 150 ms more than Azurite needs, two at a
 * time (≈ 13 deletes/s), so 60 prefilled completions need ≈ 4.5 s of deletes. Received all at once,
 * most would reappear; the loop must receive only what its deletes can settle in time.
 *
 * The cold phase (delete speed not yet known) and the probe delete: with the default 64 deletes in
 * flight but a store that serves one delete at a time (60 ms each, ≈ 17/s), a delete timed alone must
 * count as one delete's cost, not as a round of 64 (which would let the loop read everything at once).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/ports/backend.js';
import type { ReceivedMessage } from '../../../src/ports/queue.js';
import type { Coordinator } from '../../../src/coordinator/index.js';
import { uniquePrefix, waitFor } from '../../support/azurite.js';
import { openTestBackend, startCoordinator, TEST_QUEUE } from './harness.js';
import { fanOutFanIn, prefillCompletions, storeRunningWorkflow } from './seed.js';

let backend: Backend | undefined;
let coordinator: Coordinator | undefined;

afterEach(async () => {
  await coordinator?.stop();
  await backend?.close();
  coordinator = backend = undefined;
});

describe('visibility-timeout deadline', () => {
  it('receives no further ahead than slow deletes can settle before messages reappear', async () => {
    const leaves = 60;
    backend = await openTestBackend(uniquePrefix('Vis'));
    const tasks = await storeRunningWorkflow(backend, fanOutFanIn(leaves, 'vis', TEST_QUEUE), 'wf-vis');
    await prefillCompletions(backend, 'wf-vis', tasks);
    const seen = new Map<string, number>();
    let deleted = 0;
    const completions = backend.completions;
    const receive = completions.receive.bind(completions);
    const del = completions.delete.bind(completions);
    Object.assign(completions, {
      receive: async (max: number, vis: number) => {
        const got = await receive(max, vis);
        for (const m of got) seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
        return got;
      },
      delete: async (m: ReceivedMessage) => {
        await new Promise((r) => setTimeout(r, 150));
        await del(m);
        deleted++;
      },
    });
    coordinator = await startCoordinator(backend, {
      visibilityTimeoutS: 2,
      batchSize: 8,
      ackConcurrency: 2,
    });
    const c = coordinator;
    await waitFor(() => deleted >= leaves, { timeoutMs: 30_000, what: 'every completion deleted' });
    await waitFor(async () => (await completions.approximateDepth()) === 0, { what: 'an empty queue' });
    expect(seen.size).toBe(leaves);
    expect([...seen.values()].filter((n) => n > 1)).toEqual([]);
    expect(deleted).toBe(leaves);
    expect(c.stats().completions_handled).toBe(leaves);
    expect(c.stats().duplicate_completions).toBe(0);
  });

  it('learns the delete speed from the probe before reading further (one delete at a time, 64 in flight)', async () => {
    const leaves = 60;
    backend = await openTestBackend(uniquePrefix('VisCold'));
    const tasks = await storeRunningWorkflow(backend, fanOutFanIn(leaves, 'visc', TEST_QUEUE), 'wf-visc');
    await prefillCompletions(backend, 'wf-visc', tasks);
    const seen = new Map<string, number>();
    let deleted = 0;
    const completions = backend.completions;
    const receive = completions.receive.bind(completions);
    const del = completions.delete.bind(completions);
    // The store serves deletes one at a time: each waits for the previous one, then takes 60 ms.
    let serial: Promise<void> = Promise.resolve();
    Object.assign(completions, {
      receive: async (max: number, vis: number) => {
        const got = await receive(max, vis);
        for (const m of got) seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
        return got;
      },
      delete: (m: ReceivedMessage) => {
        const turn = serial.then(async () => {
          await new Promise((r) => setTimeout(r, 60));
          await del(m);
          deleted++;
        });
        serial = turn.catch(() => undefined);
        return turn;
      },
    });
    coordinator = await startCoordinator(backend, { visibilityTimeoutS: 2, batchSize: 8 });
    const c = coordinator;
    await waitFor(() => deleted >= leaves, { timeoutMs: 30_000, what: 'every completion deleted' });
    await waitFor(async () => (await completions.approximateDepth()) === 0, { what: 'an empty queue' });
    expect(seen.size).toBe(leaves);
    expect([...seen.values()].filter((n) => n > 1)).toEqual([]);
    expect(deleted).toBe(leaves);
    expect(c.stats().completions_handled).toBe(leaves);
    expect(c.stats().duplicate_completions).toBe(0);
  });
});
