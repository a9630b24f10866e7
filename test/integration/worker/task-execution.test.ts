import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
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
import type { Worker } from '../../../src/worker/index.js';
import { waitFor } from '../../support/azurite.js';

const QUEUE = 'exec';
let s: TestStorage;
let worker: Worker;

beforeAll(async () => {
  s = await openTestStorage('WkExec');
  worker = testWorker(s, QUEUE, { concurrency: 4 });
  await worker.start();
});

afterAll(async () => {
  await worker?.stop({ graceMs: 0 });
  await s?.backend.close();
});

const bigJson = `{"x":"${'a'.repeat(40_000)}"}`;

describe('worker executes task messages (reference §6.2–6.3)', () => {
  it('publishes success with the inline output and deletes the task message', async () => {
    await sendTask(s, QUEUE, {
      workflowId: 'wf-ok',
      task: 'hello',
      attemptNo: 3,
      kwargs: { cmd: `echo '{"a": 1}' > "$JOBQ_OUTPUT_FILE"` },
    });
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    expect(c).toEqual({
      workflow_id: 'wf-ok',
      task_name: 'hello',
      success: true,
      output_ref: '{"a": 1}',
      error: null,
      attempt_no: 3,
    });
    await waitFor(async () => (await depth(s, QUEUE)) === 0, { what: 'task message deleted' });
  });

  it('reports a non-zero exit as a failure completion (retries are the coordinator’s)', async () => {
    await sendTask(s, QUEUE, {
      workflowId: 'wf-fail',
      task: 'boom',
      kwargs: { cmd: 'echo bad input >&2; exit 7' },
    });
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    expect(c.success).toBe(false);
    expect(c.error).toBe('task command exited with code 7; stderr: bad input');
    expect(c.output_ref).toBeNull();
    await waitFor(async () => (await depth(s, QUEUE)) === 0, { what: 'failed task message deleted' });
  });

  it('stores an output over 32 KiB as a blob and publishes the canonical blob ref', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-big-'));
    const file = join(dir, 'big.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, bigJson));
    await sendTask(s, QUEUE, {
      workflowId: 'wf-big',
      task: 'large',
      kwargs: { cmd: `cp ${file} "$JOBQ_OUTPUT_FILE"` },
    });
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    expect(c.success).toBe(true);
    expect(c.output_ref).toBe('blob:wf-big/large.json');
    expect(await s.backend.outputs.fetchOutput(c.output_ref!)).toEqual(JSON.parse(bigJson));
  });

  it('fails a task whose output file is not valid JSON, with a clear message', async () => {
    await sendTask(s, QUEUE, {
      workflowId: 'wf-badjson',
      task: 't',
      kwargs: { cmd: `echo "{not json" > "$JOBQ_OUTPUT_FILE"` },
    });
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    expect(c.success).toBe(false);
    expect(c.error).toMatch(/^task output is not valid JSON \(.+\): "\{not json/);
  });

  it('fails (never silently succeeds) when a stashed file is missing', async () => {
    const marker = JSON.stringify({
      __jobq_stash__: { v: 1, state: 'pending', local_path: '/nonexistent/f.bin', filename: 'f.bin' },
    });
    await sendTask(s, QUEUE, {
      workflowId: 'wf-nostash',
      task: 't',
      kwargs: { cmd: `echo '${marker}' > "$JOBQ_OUTPUT_FILE"` },
    });
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    expect(c.success).toBe(false);
    expect(c.error).toMatch(/file stash upload failed: stashed file '\/nonexistent\/f.bin' does not exist/);
  });

  it('completes a merge node at once without running anything', async () => {
    const before = worker.stats.mergeCompleted;
    await sendTask(s, QUEUE, {
      workflowId: 'wf-merge',
      task: '__merge_sink_0',
      kwargs: { __batch_merge: true, __target: 'sink', __batch: 0, cmd: 'exit 1' },
      upstreamRefs: [['a', null]],
    });
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    expect(c).toMatchObject({
      workflow_id: 'wf-merge',
      task_name: '__merge_sink_0',
      success: true,
      output_ref: null,
      error: null,
    });
    expect(worker.stats.mergeCompleted).toBe(before + 1);
  });

  it('runs kwargs.cmd in kwargs.cwd with the env kwarg', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-cwd-'));
    await sendTask(s, QUEUE, {
      workflowId: 'wf-cwd',
      task: 't',
      kwargs: { cmd: 'printf "\\"%s\\"" "$PWD/$WHO" > "$JOBQ_OUTPUT_FILE"', cwd: dir, env: { WHO: 'me' } },
    });
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    expect(JSON.parse(c.output_ref!)).toBe(`${dir}/me`);
  });

  it('fails a task whose cwd does not exist instead of crashing', async () => {
    await sendTask(s, QUEUE, {
      workflowId: 'wf-nocwd',
      task: 't',
      kwargs: { cmd: 'true', cwd: '/no/such/dir' },
    });
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    expect(c).toMatchObject({ success: false, error: "working directory '/no/such/dir' does not exist" });
  });

  it('runs a plain (non-workflow) task without publishing a completion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-plain-'));
    const q = s.backend.queues.get(QUEUE);
    const body = JSON.stringify({
      version: 1,
      reply_requested: false,
      kwargs: JSON.stringify({ cmd: `touch ${dir}/ran` }),
      num_retries: 0,
      id: 'p1',
    });
    await q.send(body);
    await waitFor(() => existsSync(join(dir, 'ran')), { what: 'plain task to run' });
    await waitFor(async () => (await depth(s, QUEUE)) === 0, { what: 'plain message deleted' });
    expect(await s.backend.completions.receive(32, 1)).toEqual([]);
  });

  it('moves a failed plain task to <queue>-failed with its original envelope', async () => {
    const q = s.backend.queues.get(QUEUE);
    const body = JSON.stringify({
      version: 1,
      reply_requested: false,
      kwargs: JSON.stringify({ cmd: 'exit 4' }),
      num_retries: 0,
      id: 'p2',
    });
    await q.send(body);
    const failed = s.backend.queues.get(`${QUEUE}-failed`);
    const [m] = await waitFor(
      async () => {
        const got = (await failed.receive(1, 30)).filter((x) => x.body.includes('"p2"'));
        return got.length ? got : null;
      },
      { what: 'dead letter' },
    );
    expect(m.body).toBe(body);
    await failed.delete(m);
  });

  it('dead-letters an undecodable message with its reason and keeps the queue flowing', async () => {
    const q = s.backend.queues.get(QUEUE);
    await q.send('this is not an envelope');
    await sendTask(s, QUEUE, { workflowId: 'wf-after-poison', task: 't', kwargs: { cmd: 'true' } });
    const failed = s.backend.queues.get(`${QUEUE}-failed`);
    const [m] = await waitFor(
      async () => {
        const got = await failed.receive(1, 30);
        return got.length ? got : null;
      },
      { what: 'poison in -failed' },
    );
    const wrapped = JSON.parse(m.body) as { reason: string; body: string; source_queue: string };
    expect(wrapped).toMatchObject({
      reason: 'message body is not JSON',
      body: 'this is not an envelope',
      source_queue: QUEUE,
    });
    const [c] = (await takeCompletions(s, 1)).map(parseCompletion);
    expect(c).toMatchObject({ workflow_id: 'wf-after-poison', success: true });
    await waitFor(async () => (await depth(s, QUEUE)) === 0, { what: 'poison removed from the task queue' });
  });

  it('executes a reference-format task message and answers byte-for-byte in the reference completion format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-golden-'));
    const fixtures = join(import.meta.dirname, '../../fixtures/worker');
    const message = readFileSync(join(fixtures, 'reference-task-message.json'), 'utf8').replace(
      '__GOLDEN_DIR__',
      dir,
    );
    const expected = readFileSync(join(fixtures, 'reference-completion-message.json'), 'utf8');
    await s.backend.queues.get(QUEUE).send(message);
    const [body] = await takeCompletions(s, 1);
    expect(body).toBe(expected);
    expect(JSON.parse(readFileSync(join(dir, 'refs.json'), 'utf8'))).toEqual({
      big: 'blob:wf-golden/big.json',
      small: '{"n": 3}',
      none: null,
    });
    expect(readFileSync(join(dir, 'env.txt'), 'utf8')).toBe(
      'JOBQ_WORKFLOW_ATTEMPT=2\nJOBQ_WORKFLOW_ID=wf-golden\nJOBQ_WORKFLOW_TASK=consume\n',
    );
  });
});
