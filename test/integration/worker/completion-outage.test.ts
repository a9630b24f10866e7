import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import {
  openTestStorage,
  testWorker,
  sendTask,
  takeCompletions,
  parseCompletion,
  depth,
  type TestStorage,
} from './harness.js';
import { azurite, waitFor } from '../../support/azurite.js';
import { resourceNames } from '../../../src/adapters/names.js';

let s: TestStorage;
let sdk: QueueServiceClient;
let completionQueue: string;

beforeAll(async () => {
  s = await openTestStorage('WkOutage');
  sdk = QueueServiceClient.fromConnectionString(azurite().connectionString);
  completionQueue = resourceNames(s.target.prefix).completionQueue;
});

afterAll(async () => {
  await s?.backend.close();
});

/** Make the completion queue unavailable (sends fail with 404) until `restore()`. */
async function takeCompletionQueueDown(): Promise<{ restore: () => Promise<void> }> {
  await sdk.deleteQueue(completionQueue);
  return { restore: async () => void (await sdk.createQueue(completionQueue).catch(() => undefined)) };
}

describe('completion publishing while the completion queue is unavailable (reference §6.5)', () => {
  it('retries with back-off and keeps the task message until the completion is out', async () => {
    const QUEUE = 'outage-retry';
    const worker = testWorker(s, QUEUE, { completionRetryInitialMs: 100, completionRetryMaxMs: 400 });
    await worker.start();
    try {
      const outage = await takeCompletionQueueDown();
      await sendTask(s, QUEUE, {
        workflowId: 'wf-outage',
        task: 't',
        kwargs: { cmd: 'echo 1 > "$JOBQ_OUTPUT_FILE"' },
      });
      await waitFor(() => worker.stats.succeeded === 1, { what: 'task to finish' });
      // Several publish attempts fail; the task message must still be on the queue (invisible, not deleted).
      await new Promise((r) => setTimeout(r, 800));
      expect(worker.stats.published).toBe(0);
      expect(await depth(s, QUEUE)).toBe(1);
      await outage.restore();
      const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
      expect(c).toMatchObject({ workflow_id: 'wf-outage', success: true, output_ref: '1' });
      await waitFor(async () => (await depth(s, QUEUE)) === 0, {
        what: 'task message deleted after publish',
      });
      expect(worker.stats.published).toBe(1);
    } finally {
      await worker.stop({ graceMs: 0 });
    }
  });

  it('after completionSendMaxAttempts returns the task message, which is rerun and answered later', async () => {
    const QUEUE = 'outage-giveup';
    const dir = mkdtempSync(join(tmpdir(), 'jobq-giveup-'));
    const runs = join(dir, 'runs');
    appendFileSync(runs, '');
    const worker = testWorker(s, QUEUE, {
      completionSendMaxAttempts: 2,
      completionRetryInitialMs: 50,
      concurrency: 1,
    });
    await worker.start();
    try {
      const outage = await takeCompletionQueueDown();
      await sendTask(s, QUEUE, {
        workflowId: 'wf-giveup',
        task: 't',
        kwargs: { cmd: `echo run >> ${runs}` },
      });
      await waitFor(() => readFileSync(runs, 'utf8').split('\n').filter(Boolean).length >= 2, {
        what: 'task rerun after the give-up',
      });
      await outage.restore();
      const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
      expect(c).toMatchObject({ workflow_id: 'wf-giveup', success: true });
      await waitFor(async () => (await depth(s, QUEUE)) === 0, { what: 'task message deleted' });
    } finally {
      await worker.stop({ graceMs: 0 });
    }
  });
});
