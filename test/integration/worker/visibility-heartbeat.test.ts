import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openTestStorage,
  testWorker,
  sendTask,
  takeCompletions,
  parseCompletion,
  depth,
  type TestStorage,
} from './harness.js';
import { waitFor } from '../../support/azurite.js';

let s: TestStorage;

beforeAll(async () => {
  s = await openTestStorage('WkBeat');
});

afterAll(async () => {
  await s?.backend.close();
});

describe('visibility heartbeat', () => {
  it('keeps a task longer than the visibility timeout from being delivered to another worker', async () => {
    const QUEUE = 'beat';
    const dir = mkdtempSync(join(tmpdir(), 'jobq-beat-'));
    const runs = join(dir, 'runs');
    const workers = [
      testWorker(s, QUEUE, { visibilityTimeoutS: 2 }),
      testWorker(s, QUEUE, { visibilityTimeoutS: 2 }),
    ];
    await Promise.all(workers.map((w) => w.start()));
    try {
      // Runs 3× the visibility timeout; without extensions the message would reappear twice.
      await sendTask(s, QUEUE, {
        workflowId: 'wf-beat',
        task: 't',
        kwargs: { cmd: `echo run >> ${runs}; sleep 6` },
      });
      const [c] = (await takeCompletions(s, 1, 30_000)).map(parseCompletion);
      expect(c.success).toBe(true);
      await waitFor(async () => (await depth(s, QUEUE)) === 0, {
        what: 'message deleted with its latest pop receipt',
      });
      expect(readFileSync(runs, 'utf8')).toBe('run\n');
      expect(workers[0].stats.received + workers[1].stats.received).toBe(1);
    } finally {
      await Promise.all(workers.map((w) => w.stop({ graceMs: 0 })));
    }
  });
});
