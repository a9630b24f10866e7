/**
 * DECISIONS §4.15 on Azurite: while a backlog is being read and holding it is safe (a long visibility
 * timeout), the coordinator receives every completion before it deletes or flushes more than the one
 * probe delete and the first flush that it needs to learn the delete speed — on Azurite any delete
 * or state write beside the receives slows them several-fold — pushes the sink as soon as the last
 * completion is applied, and only then runs the flush and all the deletes.
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

type Event = { kind: 'receive'; got: number } | { kind: 'delete' } | { kind: 'flush' } | { kind: 'sink' };

describe('read first', () => {
  it('receives the whole backlog and pushes the sink before the deletes and flushes run', async () => {
    const leaves = 200;
    backend = await openTestBackend(uniquePrefix('ReadFirst'));
    const tasks = await storeRunningWorkflow(backend, fanOutFanIn(leaves, 'rf', TEST_QUEUE), 'wf-rf');
    await prefillCompletions(backend, 'wf-rf', tasks);
    const events: Event[] = [];
    const completions = backend.completions;
    const receive = completions.receive.bind(completions);
    const del = completions.delete.bind(completions);
    Object.assign(completions, {
      receive: async (max: number, vis: number) => {
        const got = await receive(max, vis);
        if (got.length > 0) events.push({ kind: 'receive', got: got.length });
        return got;
      },
      delete: async (m: ReceivedMessage) => {
        events.push({ kind: 'delete' });
        await del(m);
      },
    });
    const state = backend.state;
    const saveState = state.saveState.bind(state);
    Object.assign(state, {
      saveState: (...args: Parameters<typeof saveState>) => {
        events.push({ kind: 'flush' });
        return saveState(...args);
      },
    });
    const taskQueue = backend.queues.get(TEST_QUEUE);
    await taskQueue.ensure();
    const send = taskQueue.send.bind(taskQueue);
    Object.assign(taskQueue, {
      send: (...args: Parameters<typeof send>) => {
        events.push({ kind: 'sink' });
        return send(...args);
      },
    });
    // A long visibility timeout: holding the whole backlog until the sink is out is safe.
    coordinator = await startCoordinator(backend, { visibilityTimeoutS: 120 });
    await waitFor(async () => (await completions.approximateDepth()) === 0, {
      timeoutMs: 60_000,
      what: 'every completion deleted',
    });
    const lastReceive = events.findLastIndex((e) => e.kind === 'receive');
    const sink = events.findIndex((e) => e.kind === 'sink');
    const received = events.filter((e) => e.kind === 'receive').reduce((n, e) => n + e.got, 0);
    const before = events.slice(0, lastReceive);
    expect(received).toBe(leaves);
    expect(sink).toBeGreaterThan(lastReceive);
    // One probe delete to learn the delete speed, and the one flush that gave it a message to delete.
    expect(before.filter((e) => e.kind === 'delete').length).toBeLessThanOrEqual(1);
    expect(before.filter((e) => e.kind === 'flush').length).toBeLessThanOrEqual(1);
    // Then everything: every message deleted once, and the state written.
    expect(events.filter((e) => e.kind === 'delete')).toHaveLength(leaves);
    expect(events.slice(lastReceive).some((e) => e.kind === 'flush')).toBe(true);
    expect(coordinator.stats().completions_handled).toBe(leaves);
    expect(coordinator.stats().duplicate_completions).toBe(0);
  });
});
