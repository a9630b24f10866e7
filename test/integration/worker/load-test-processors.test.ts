import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openTestStorage,
  testWorker,
  sendTask,
  takeCompletions,
  parseCompletion,
  type TestStorage,
} from './harness.js';
import { simulatedFailure } from '../../../src/worker/index.js';

let s: TestStorage;

beforeAll(async () => {
  s = await openTestStorage('WkLoad');
});

afterAll(async () => {
  await s?.backend.close();
});

describe('--processor noop|sleep (load tests)', () => {
  it('noop completes every task without forking, failing exactly the fail_threshold set', async () => {
    const QUEUE = 'noop';
    const worker = testWorker(s, QUEUE, { processor: 'noop', concurrency: 16 });
    const names = Array.from({ length: 24 }, (_, i) => `leaf-${i}`);
    // cmd would fail if it ran: the noop processor must not run it.
    for (const task of names)
      await sendTask(s, QUEUE, {
        workflowId: 'wf-noop',
        task,
        kwargs: { cmd: 'exit 9', fail_threshold: 40 },
      });
    await worker.start();
    try {
      const completions = (await takeCompletions(s, names.length)).map(parseCompletion);
      const failed = completions
        .filter((c) => !c.success)
        .map((c) => c.task_name)
        .sort();
      const expected = names.filter((n) => simulatedFailure(n, { fail_threshold: 40 }) !== null).sort();
      expect(failed).toEqual(expected);
      expect(expected.length).toBeGreaterThan(0);
      expect(completions.find((c) => !c.success)?.error).toBe('simulated failure (fail_threshold=40)');
    } finally {
      await worker.stop({ graceMs: 0 });
    }
  });

  it('sleep waits kwargs.sleep_s before completing', async () => {
    const QUEUE = 'sleep';
    const worker = testWorker(s, QUEUE, { processor: 'sleep' });
    await worker.start();
    try {
      const t0 = Date.now();
      await sendTask(s, QUEUE, { workflowId: 'wf-sleep', task: 'nap', kwargs: { sleep_s: 0.7 } });
      const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
      expect(c.success).toBe(true);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    } finally {
      await worker.stop({ graceMs: 0 });
    }
  });
});
