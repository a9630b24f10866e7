import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openTestStorage,
  testWorker,
  sendTask,
  takeCompletions,
  parseCompletion,
  type TestStorage,
} from './harness.js';
import type { Worker } from '../../../src/worker/index.js';
import type { IndexColumns } from '../../../src/ports/index-store.js';
import { waitFor } from '../../support/azurite.js';

const QUEUE = 'cancel';
let s: TestStorage;
let worker: Worker;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function indexRow(workflowId: string): Promise<void> {
  const now = new Date().toISOString();
  const cols: IndexColumns = {
    name: workflowId,
    workflowState: 'running',
    totalTasks: 1,
    completedTasks: 0,
    failedTasks: 0,
    runningTasks: 1,
    pendingTasks: 0,
    skippedTasks: 0,
    defaultQueue: QUEUE,
    queuesUsed: [QUEUE],
    createdAt: now,
    updatedAt: now,
    error: null,
  };
  await s.backend.index.upsert(workflowId, cols);
}

beforeAll(async () => {
  s = await openTestStorage('WkCancel');
  worker = testWorker(s, QUEUE, { cancelPollIntervalS: 1, killTimeoutS: 2 });
  await worker.start();
});

afterAll(async () => {
  await worker?.stop({ graceMs: 0 });
  await s?.backend.close();
});

describe('cancellation (reference §6.4)', () => {
  it('kills a running `sleep 600` task within the poll interval and reports `workflow cancelled`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-cancel-'));
    await indexRow('wf-cancel-run');
    await sendTask(s, QUEUE, {
      workflowId: 'wf-cancel-run',
      task: 'long',
      kwargs: { cmd: `sleep 600 & echo $! > ${dir}/pid; wait` },
    });
    const pid = await waitFor(
      () => (existsSync(join(dir, 'pid')) && Number(readFileSync(join(dir, 'pid'), 'utf8'))) || 0,
      {
        what: 'task to start',
      },
    );
    expect(alive(pid)).toBe(true);
    const t0 = Date.now();
    await s.backend.index.requestCancel('wf-cancel-run');
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    const elapsed = Date.now() - t0;
    expect(c).toMatchObject({
      workflow_id: 'wf-cancel-run',
      task_name: 'long',
      success: false,
      error: 'workflow cancelled',
      attempt_no: 1,
    });
    // Poll interval 1 s ± 25 %, then SIGTERM and one completion send; the bound leaves room for a loaded
    // machine but is far below what a missing poll would take (the task sleeps 600 s).
    expect(elapsed).toBeLessThan(6000);
    await waitFor(() => !alive(pid), { timeoutMs: 5000, what: 'sleep 600 to be killed' });
  });

  it('does not start a task whose workflow is already cancelled (early check)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-early-'));
    await indexRow('wf-cancel-early');
    await s.backend.index.requestCancel('wf-cancel-early');
    await sendTask(s, QUEUE, {
      workflowId: 'wf-cancel-early',
      task: 't',
      attemptNo: 2,
      kwargs: { cmd: `touch ${dir}/ran` },
    });
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    expect(c).toMatchObject({ success: false, error: 'workflow cancelled', attempt_no: 2 });
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('isCancelled() reads the workflow cancel flag from the index', async () => {
    await indexRow('wf-cancel-flag');
    const { isCancelled } = await import('../../../src/task/index.js');
    const env = { ...s.env, JOBQ_WORKFLOW_ID: 'wf-cancel-flag', JOBQ_WORKFLOW_TASK: 't' };
    expect(await isCancelled({ env })).toBe(false);
    await s.backend.index.requestCancel('wf-cancel-flag');
    expect(await isCancelled({ env })).toBe(true);
  });
});
