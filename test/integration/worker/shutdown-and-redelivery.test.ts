import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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
import { freePort } from '../../../src/azurite/embedded.js';

const REPO = join(import.meta.dirname, '../../..');
const CLI = join(REPO, 'test/fixtures/worker/jobq-cli.ts');
const TSX = join(REPO, 'node_modules/tsx/dist/loader.mjs');
const SLOW = 150_000;

let s: TestStorage;
const orphans: number[] = [];

beforeAll(async () => {
  s = await openTestStorage('WkShut');
});

afterAll(async () => {
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await s?.backend.close();
});

function readPid(path: string): number {
  return existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) : 0;
}

/** Start `jobq worker QUEUE …` as a separate process (the CLI from source). */
function spawnCliWorker(queue: string, args: string[], env: NodeJS.ProcessEnv = s.env) {
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'worker', queue, ...args], {
    env: { ...env, JOBQ_CANCEL_POLL_INTERVAL: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

describe('worker shutdown and crash recovery', () => {
  it(
    'worker killed -9 mid-task: the message reappears and the task reruns to completion',
    async () => {
      const QUEUE = 'crash';
      const dir = mkdtempSync(join(tmpdir(), 'jobq-crash-'));
      // First run: record the sleeping pid and hang; any later run succeeds.
      const cmd = `if [ -f ${dir}/first ]; then echo rerun > ${dir}/second; exit 0; fi; touch ${dir}/first; sleep 600 & echo $! > ${dir}/pid; wait`;
      await sendTask(s, QUEUE, { workflowId: 'wf-crash', task: 't', kwargs: { cmd } });
      const proc = spawnCliWorker(QUEUE, ['--visibility-timeout', '3', '--max-idle-backoff', '0.5']);
      await waitFor(() => readPid(join(dir, 'pid')), {
        timeoutMs: SLOW / 2,
        what: `first run (${proc.stderr()})`,
      });
      orphans.push(readPid(join(dir, 'pid')));
      proc.child.kill('SIGKILL');
      await proc.exited;
      const worker = testWorker(s, QUEUE);
      await worker.start();
      try {
        const [c] = (await takeCompletions(s, 1, 30_000)).map(parseCompletion);
        expect(c).toMatchObject({ workflow_id: 'wf-crash', task_name: 't', success: true, attempt_no: 1 });
        expect(readFileSync(join(dir, 'second'), 'utf8').trim()).toBe('rerun');
        await waitFor(async () => (await depth(s, QUEUE)) === 0, { what: 'message deleted after the rerun' });
      } finally {
        await worker.stop({ graceMs: 0 });
      }
    },
    SLOW,
  );

  it(
    'SIGTERM to `jobq worker`: stops taking tasks, returns the running task to the queue after the grace, exits 0',
    async () => {
      const QUEUE = 'sigterm';
      const dir = mkdtempSync(join(tmpdir(), 'jobq-sigterm-'));
      await sendTask(s, QUEUE, {
        workflowId: 'wf-term',
        task: 't',
        kwargs: { cmd: `sleep 600 & echo $! > ${dir}/pid; wait` },
      });
      const proc = spawnCliWorker(QUEUE, ['--shutdown-grace', '1', '--max-idle-backoff', '0.5']);
      const pid = await waitFor(() => readPid(join(dir, 'pid')), {
        timeoutMs: SLOW / 2,
        what: `task start (${proc.stderr()})`,
      });
      orphans.push(pid);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      // Returned, not completed: visible again at once (dequeue count 2), and no completion was published.
      const q = s.backend.queues.get(QUEUE);
      const [m] = await waitFor(async () => {
        const got = await q.receive(1, 30);
        return got.length ? got : null;
      });
      expect(m.dequeueCount).toBe(2);
      expect(await s.backend.completions.receive(32, 1)).toEqual([]);
      await q.delete(m);
    },
    SLOW,
  );

  it(
    '`jobq worker` against storage that is not running exits 2 with one line saying how to fix it',
    async () => {
      const port = await freePort();
      const env = { ...s.env, BLOB_PORT: String(port), QUEUE_PORT: String(port), TABLE_PORT: String(port) };
      const proc = spawnCliWorker('tasks', [], env);
      expect(await proc.exited).toBe(2);
      const lines = proc.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^jobq: .*nothing is listening.*jobq azurite/);
    },
    SLOW,
  );

  it('stop() lets a task that finishes within the grace publish its completion', async () => {
    const QUEUE = 'grace-finish';
    const worker = testWorker(s, QUEUE);
    await worker.start();
    const dir = mkdtempSync(join(tmpdir(), 'jobq-grace-'));
    await sendTask(s, QUEUE, {
      workflowId: 'wf-grace',
      task: 't',
      kwargs: { cmd: `touch ${dir}/started; sleep 1; echo '"done"' > "$JOBQ_OUTPUT_FILE"` },
    });
    await waitFor(() => existsSync(join(dir, 'started')), { what: 'task start' });
    await worker.stop({ graceMs: 20_000 });
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    expect(c).toMatchObject({ workflow_id: 'wf-grace', success: true, output_ref: '"done"' });
    expect(await depth(s, QUEUE)).toBe(0);
  });

  it('an idle timeout ends the worker when no work arrives', async () => {
    const worker = testWorker(s, 'idle', { idleTimeoutS: 0.5, maxIdleBackoffS: 5 });
    const t0 = Date.now();
    await worker.start();
    await worker.done;
    // The back-off sleep is cut short so the timeout is honoured close to on time.
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(worker.stats.received).toBe(0);
  });

  it('runs up to --concurrency tasks at once from batched receives', async () => {
    const QUEUE = 'concurrency';
    const dir = mkdtempSync(join(tmpdir(), 'jobq-conc-'));
    const worker = testWorker(s, QUEUE, { concurrency: 4 });
    // Each task waits until all four have started: this only completes if they really run concurrently.
    const cmd = `touch ${dir}/$JOBQ_WORKFLOW_TASK; for i in $(seq 300); do [ $(ls ${dir} | wc -l) -ge 4 ] && exit 0; sleep 0.1; done; exit 1`;
    for (let i = 0; i < 4; i++)
      await sendTask(s, QUEUE, { workflowId: 'wf-conc', task: `t${i}`, kwargs: { cmd } });
    await worker.start();
    let maxRunning = 0;
    const sampler = setInterval(() => (maxRunning = Math.max(maxRunning, worker.runningCount)), 10);
    try {
      const completions = (await takeCompletions(s, 4, 40_000)).map(parseCompletion);
      expect(completions.every((c) => c.success)).toBe(true);
      expect(maxRunning).toBe(4);
      const tx = s.backend.queues.get(QUEUE).transactions;
      expect(tx.receive - tx.emptyReceive).toBeLessThanOrEqual(2);
    } finally {
      clearInterval(sampler);
      await worker.stop({ graceMs: 0 });
    }
  });
});
