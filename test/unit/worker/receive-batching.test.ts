/**
 * How the worker spends receives (each one a billed transaction that scans the queue): it refills its
 * pool in full receives rather than one slot at a time, and it does not re-poll a queue it has just
 * drained.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { encodeTaskMessage } from '../../../src/wire/task-message.js';
import { Worker } from '../../../src/worker/index.js';
import { silentLogger } from '../../../src/log.js';
import { waitFor } from '../../support/azurite.js';
import type { Backend } from '../../../src/ports/backend.js';

const QUEUE = 'work';

interface Receive {
  at: number;
  asked: number;
  got: number;
}

async function setup(tasks: { name: string; sleepS: number }[]) {
  const backend = openMemoryBackend(createMemoryWorld(), 'Mem');
  await backend.ensureResources();
  const q = backend.queues.get(QUEUE);
  await q.ensure();
  for (const t of tasks) {
    const m = encodeTaskMessage({
      workflowId: 'wf',
      task: t.name,
      attemptNo: 1,
      kwargsJson: JSON.stringify({ sleep_s: t.sleepS }),
      upstreamRefs: null,
    });
    await q.send(m.body, { messageId: m.id });
  }
  const receives: Receive[] = [];
  const receive = q.receive.bind(q);
  Object.assign(q, {
    receive: async (max: number, vis: number) => {
      const got = await receive(max, vis);
      receives.push({ at: performance.now(), asked: max, got: got.length });
      return got;
    },
  });
  return { backend, receives };
}

function worker(backend: Backend, concurrency: number): Worker {
  return new Worker({
    backend,
    queue: QUEUE,
    concurrency,
    visibilityTimeoutS: 30,
    idleTimeoutS: null,
    maxIdleBackoffS: 0.2,
    processor: 'sleep',
    cancelPollIntervalS: 1,
    killTimeoutS: 5,
    completionSendMaxAttempts: 0,
    logger: silentLogger(),
  });
}

describe('worker receives', () => {
  let running: Worker | null = null;
  afterEach(async () => {
    await running?.stop({ graceMs: 0 });
    running = null;
  });

  it('refills a busy pool in full receives, not one slot at a time', async () => {
    // Tasks finish at staggered times (0–35 ms), so slots free one by one.
    const tasks = Array.from({ length: 160 }, (_, i) => ({ name: `t${i}`, sleepS: (i % 8) * 0.005 }));
    const { backend, receives } = await setup(tasks);
    running = worker(backend, 32);
    await running.start();
    await waitFor(() => running!.stats.published === 160, { what: '160 tasks published' });
    const useful = receives.filter((r) => r.got > 0);
    const received = useful.reduce((n, r) => n + r.got, 0);
    expect(received).toBe(160);
    // One receive per freed slot would mean well over 100 receives of a handful each.
    expect(received / useful.length).toBeGreaterThanOrEqual(16);
  });

  it('waits before polling again after a receive that drained the queue', async () => {
    const { backend, receives } = await setup(
      Array.from({ length: 5 }, (_, i) => ({ name: `t${i}`, sleepS: 0 })),
    );
    running = worker(backend, 32);
    await running.start();
    await waitFor(() => receives.length >= 2 && running!.stats.published === 5, { what: 'a second receive' });
    const [first, second] = receives;
    expect(first).toMatchObject({ asked: 32, got: 5 });
    expect(second.at - first.at).toBeGreaterThanOrEqual(45);
  });
});
