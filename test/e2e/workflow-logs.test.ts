/**
 * `jobq workflow logs` end to end: a real coordinator and a real worker (child processes of
 * bin/jobq.js) on the test Azurite run tasks that succeed, fail with retries, time out, print 5 MiB,
 * run long (for --follow) and get cancelled; the CLI then shows each attempt's stored log, or says in
 * one line why there is none (never ran, not yet written, Python worker, purged).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { azuriteEnv, cliCommand, runCli, REPO_ROOT } from '../support/cli.js';
import { uniquePrefix, waitFor } from '../support/azurite.js';
import { openTestBackend } from '../support/backend.js';
import { JobqProcess } from '../chaos/lib/jobq-process.js';
import { WorkflowRuntime } from '../../src/engine/index.js';
import { encodeCompletionMessage } from '../../src/wire/completion-message.js';
import { decodeTaskMessage } from '../../src/wire/task-message.js';
import { taskLogBlobName, resourceNames } from '../../src/adapters/names.js';
import type { Backend } from '../../src/ports/backend.js';
import type { TaskState } from '../../src/engine/states.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const prefix = uniquePrefix('Logs');
const target = `devstoreaccount1/${prefix}`;
const dir = mkdtempSync(join(tmpdir(), 'jobq-logs-e2e-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ...azuriteEnv(),
  NO_COLOR: '1',
  JOBQ_WORKFLOW_PREFIX: target,
  JOBQ_LOG_REFRESH_INTERVAL: '1',
  JOBQ_CANCEL_POLL_INTERVAL: '1',
};
const wf = (...args: string[]) => runCli(['workflow', target, ...args], { env: azuriteEnv() });

const MAIN = `name: logs-e2e
tasks:
  - name: ok
    kwargs: {cmd: "echo hello from ok; echo careful >&2"}
  - name: flaky
    num_retries: 2
    kwargs: {cmd: "echo try $JOBQ_WORKFLOW_ATTEMPT; echo broken >&2; exit 4"}
  - name: after
    depends_on: [flaky]
    kwargs: {cmd: "echo never"}
  - name: slow
    timeout_s: 2
    kwargs: {cmd: "echo started; sleep 25; echo finished"}
  - name: big
    kwargs: {cmd: "echo FIRST; head -c 5242880 /dev/zero | tr '\\\\0' x | fold -w 1023; echo; echo LAST"}
  - name: long
    kwargs: {cmd: "for i in $(seq 1 24); do echo tick $i; sleep 0.5; done"}
  - name: py
    queue: pyq
    kwargs: {cmd: "echo run by python"}
`;
const CANCEL = `name: logs-cancel
tasks:
  - name: sleepy
    kwargs: {cmd: "echo before the cancel; sleep 60; echo never printed"}
`;

let backend: Backend;
let coordinator: JobqProcess;
let worker: JobqProcess;
let id: string;

async function taskState(wfId: string, task: string): Promise<TaskState | null> {
  for (const p of [coordinator, worker]) if (!p.running) throw new Error(`the ${p.role} exited: ${p.tail}`);
  const stored = await backend.state.load(wfId);
  return stored ? WorkflowRuntime.fromDocs(stored.def, stored.state).taskState(task) : null;
}

/** A task queue of this file's own: other e2e files' workers serve 'default' on the same Azurite. */
const TASK_QUEUE = `logs-${Math.random().toString(36).slice(2, 10)}`;

async function submit(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, `default_queue: ${TASK_QUEUE}\n${text}`);
  const r = await wf('submit', path);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

beforeAll(async () => {
  backend = await openTestBackend(prefix);
  await backend.ensureResources();
  coordinator = new JobqProcess(
    'coordinator',
    [
      'workflow',
      'coordinator',
      '--running-sweep-interval-s',
      '1',
      '--idle-sleep-s',
      '0.05',
      '--max-idle-sleep-s',
      '0.2',
    ],
    env,
  );
  worker = new JobqProcess(
    'worker',
    ['worker', TASK_QUEUE, '--concurrency', '6', '--max-idle-backoff', '0.2'],
    env,
  );
  coordinator.start();
  worker.start();
  id = await submit('main.yaml', MAIN);
});

afterAll(async () => {
  await Promise.all([worker?.stop(5_000), coordinator?.stop(5_000)]);
  await backend?.close();
});

describe('jobq workflow logs', () => {
  it('streams a running attempt with --follow until it ends', async () => {
    await waitFor(async () => (await taskState(id, 'long')) === 'running', { timeoutMs: 60_000 });
    const [cmd, ...pre] = cliCommand();
    const child = spawn(cmd, [...pre, 'workflow', target, 'logs', id, 'long', '--follow'], {
      cwd: REPO_ROOT,
      env: { ...env, JOBQ_WORKFLOW_PREFIX: undefined },
    });
    const chunks: string[] = [];
    let stderr = '';
    let stateAtFirstLines: Promise<TaskState | null> | null = null;
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d.toString());
      stateAtFirstLines ??= taskState(id, 'long');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(code, stderr).toBe(0);
    const out = chunks.join('');
    const ticks = out.split('\n').filter((l) => / stdout tick \d+$/.test(l));
    expect(ticks.map((l) => Number(l.split(' ').at(-1)))).toEqual(
      Array.from({ length: 24 }, (_, i) => i + 1),
    );
    // Live: lines were shown while the task still ran, and the last tick came in a later chunk.
    expect(await stateAtFirstLines).toBe('running');
    expect(chunks[0]).not.toContain('tick 24');
    expect(stderr).toMatch(new RegExp(`== ${id}/long · attempt 1 · task \\S+ · succeeded \\(exit 0\\)`));
  });

  it("shows a successful attempt's stdout and stderr lines with time and stream", async () => {
    await waitFor(async () => (await taskState(id, 'ok')) === 'completed', { timeoutMs: 60_000 });
    const r = await wf('logs', id, 'ok');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z stdout hello from ok\n/);
    expect(r.stdout).toMatch(/Z stderr careful\n/);
    expect(r.stdout).toMatch(/Z jobq {3}attempt succeeded\n$/);
    expect(r.stderr).toMatch(new RegExp(`== ${id}/ok · attempt 1 · task completed · succeeded \\(exit 0\\)`));
    const raw = await wf('logs', id, 'ok', '--raw');
    expect(raw.stdout).toBe('hello from ok\ncareful\nattempt succeeded\n');
  });

  it('keeps every attempt of a task that failed with retries', async () => {
    await waitFor(async () => (await taskState(id, 'flaky')) === 'failed', { timeoutMs: 60_000 });
    const latest = await wf('logs', id, 'flaky');
    expect(latest.code, latest.stderr).toBe(0);
    expect(latest.stdout).toContain('stdout try 3\n');
    expect(latest.stderr).toContain('attempt 3 · logs of attempts 1, 2, 3 · task failed · failed (exit 4)');
    expect(latest.stderr).toContain('error: task command exited with code 4; stderr: broken');
    for (const n of [1, 2]) {
      const r = await wf('logs', id, 'flaky', '--attempt', String(n));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`stdout try ${n}\n`);
      expect(r.stdout).not.toContain('try 3');
    }
    const beyond = await wf('logs', id, 'flaky', '--attempt', '4');
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toContain(
      `jobq: no log for attempt 4 of ${id}/flaky: the task has run 3 attempt(s)`,
    );
  });

  it('says in one line that a task whose upstream failed never ran', async () => {
    await waitFor(async () => (await taskState(id, 'after')) === 'upstream_failed', { timeoutMs: 60_000 });
    const r = await wf('logs', id, 'after');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n').at(-1)).toBe('jobq: after never ran: an upstream task failed');
  });

  it('keeps the log of an attempt the coordinator timed out, as its worker goes on', async () => {
    await waitFor(async () => (await taskState(id, 'slow')) === 'failed', { timeoutMs: 60_000 });
    const during = await waitFor(
      async () => {
        const r = await wf('logs', id, 'slow');
        return r.stdout.includes('stdout started') ? r : null;
      },
      { timeoutMs: 30_000 },
    );
    expect(during.stderr).toContain('task error (coordinator): task timed out after 2s');
    // The worker is not told (reference §5.9): its final log arrives when the command ends. The
    // running sweep visits one index shard per tick (16 ticks a round), hence the long sleep.
    const final = await waitFor(
      async () => {
        const r = await wf('logs', id, 'slow');
        return r.stdout.includes('stdout finished') ? r : null;
      },
      { timeoutMs: 90_000 },
    );
    expect(final.stderr).toMatch(/attempt 1 · task failed · succeeded \(exit 0\)/);
    expect(final.stderr).toContain('task error (coordinator): task timed out after 2s');
  });

  it('bounds a 5 MiB output to the last 1 MiB with a marker', async () => {
    await waitFor(async () => (await taskState(id, 'big')) === 'completed', { timeoutMs: 90_000 });
    const r = await wf('logs', id, 'big', '--json');
    expect(r.code, r.stderr).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer.kind).toBe('found');
    expect(answer.truncated).toBe(true);
    expect(answer.header.dropped_bytes).toBeGreaterThan(4 * 1024 * 1024 - 50_000);
    const texts: string[] = answer.lines.map((l: { text: string }) => l.text);
    expect(texts).not.toContain('FIRST');
    expect(texts.at(-2)).toBe('LAST');
    const kept = texts.reduce((n, t) => n + Buffer.byteLength(t) + 24, 0);
    expect(kept).toBeLessThanOrEqual(1024 * 1024);
    expect(kept).toBeGreaterThan(1024 * 1024 - 2048);
    const blob = await rawLogBlob(id, 'big', 1);
    expect(gunzipSync(blob).length).toBeLessThan(1024 * 1024 + 4096);
    const text = await wf('logs', id, 'big');
    expect(text.stdout.split('\n')[0]).toMatch(
      /^\[jobq: [\d,]+ earlier line\(s\) \([\d,]+ bytes\) dropped; the log keeps the last 1 MiB\]$/,
    );
  });

  it('says a Python worker attempt has no stored log (and one not yet written while it runs)', async () => {
    await waitFor(async () => (await taskState(id, 'py')) === 'running', { timeoutMs: 60_000 });
    const running = await wf('logs', id, 'py');
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/jobq: no log for attempt 1 of .*\/py yet: it is running/);
    // Play the Python worker: take the message, publish a completion, store no log.
    const q = backend.queues.get('pyq');
    const [msg] = await waitFor(async () => {
      const got = await q.receive(1, 30);
      return got.length ? got : null;
    });
    const task = decodeTaskMessage(msg.body);
    expect(task.kind).toBe('workflow');
    await backend.completions.send(
      encodeCompletionMessage({
        workflowId: id,
        task: 'py',
        success: true,
        outputRef: null,
        error: null,
        attemptNo: 1,
      }),
    );
    await q.delete(msg);
    await waitFor(async () => (await taskState(id, 'py')) === 'completed', { timeoutMs: 60_000 });
    // Right after the end the final log may still be on its way (a jobq worker writes it as it
    // publishes); once that grace has passed, the answer is that this worker stores none.
    const soon = await wf('logs', id, 'py');
    expect(soon.code).toBe(1);
    expect(soon.stderr).toMatch(
      /jobq: no log for attempt 1 of .*\/py(: it ran on a worker| yet: the attempt ended)/,
    );
    const done = await waitFor(
      async () => {
        const r = await wf('logs', id, 'py');
        return /stores no logs/.test(r.stderr) ? r : null;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: 'the not-stored answer' },
    );
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(
      /jobq: no log for attempt 1 of .*\/py: it ran on a worker that stores no logs \(a Python ai4s-jobq worker/,
    );
  });

  it('without TASK prints each failed task under a header', async () => {
    const r = await wf('logs', id);
    expect(r.code, r.stderr).toBe(0);
    const headers = r.stdout.split('\n').filter((l) => l.startsWith('== '));
    expect(headers.map((h) => h.split(' ')[1])).toEqual([`${id}/flaky`, `${id}/slow`]);
    expect(r.stdout).toContain('stdout try 3');
    expect(r.stdout).toContain('stdout started');
  });

  it("keeps a cancelled attempt's log, with the cancel noted", async () => {
    const cid = await submit('cancel.yaml', CANCEL);
    await waitFor(async () => (await wf('logs', cid, 'sleepy')).stdout.includes('before the cancel'), {
      timeoutMs: 60_000,
    });
    expect((await wf('cancel', cid)).code).toBe(0);
    const r = await waitFor(
      async () => {
        const got = await wf('logs', cid, 'sleepy');
        return got.stdout.includes('attempt failed') ? got : null;
      },
      { timeoutMs: 60_000 },
    );
    expect(r.stdout).toContain("jobq   workflow cancel requested: SIGTERM sent to the task's process group");
    expect(r.stdout).toContain('jobq   attempt failed: workflow cancelled');
    expect(r.stdout).not.toContain('never printed');
  });

  it('prints the Application Insights query with --kql, without storage', async () => {
    const r = await runCli(['workflow', 'logs', 'wf-x', 'train', '--kql', '--since', '2d'], {
      env: { BLOB_PORT: '1', QUEUE_PORT: '1', TABLE_PORT: '1' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        'traces',
        '| where timestamp > ago(2d)',
        '| where tostring(customDimensions.workflow_id) == "wf-x"',
        '| where tostring(customDimensions.task_name) == "train"',
        '| project timestamp, severityLevel, workflow_id = tostring(customDimensions.workflow_id), task_name = tostring(customDimensions.task_name), message',
        '| order by timestamp asc',
        '',
      ].join('\n'),
    );
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('refuses bad flags in one line with exit 2, before storage', async () => {
    const env1 = { env: { BLOB_PORT: '1', QUEUE_PORT: '1', TABLE_PORT: '1' } };
    const cases: [string[], RegExp][] = [
      [['logs', 'wf-x', 't', '--attempt', '0'], /--attempt must be a positive integer/],
      [['logs', 'wf-x', '--follow'], /--follow and --attempt need a TASK/],
      [['logs', 'wf-x', 't', '--since', '1h'], /--since and --table belong to --kql/],
      [['logs', 'wf-x', '--kql', '--since', 'yesterday'], /--since must be a KQL timespan/],
      [['logs', 'bad/id', 't'], /Invalid workflow ID 'bad\/id'/],
    ];
    for (const [args, pattern] of cases) {
      const r = await runCli(['workflow', ...args], env1);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });

  it('purge removes the logs with the workflow, and logs then says it was purged', async () => {
    await waitFor(async () => (await wfState(id)) === 'failed', { timeoutMs: 60_000 });
    expect(await backend.logs.attempts(id, 'flaky')).toEqual([1, 2, 3]);
    const purge = await wf('purge', '--yes');
    expect(purge.code, purge.stderr).toBe(0);
    expect(await backend.logs.attempts(id, 'flaky')).toEqual([]);
    expect(await rawList(`${id}/`)).toEqual([]);
    const r = await wf('logs', id, 'flaky');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `jobq: workflow ${id} not found in .*: it was purged \\(with its logs\\), or never submitted`,
      ),
    );
  });
});

async function wfState(wfId: string): Promise<string> {
  const stored = await backend.state.load(wfId);
  return stored ? WorkflowRuntime.fromDocs(stored.def, stored.state).state : '';
}

async function rawLogBlob(wfId: string, task: string, attempt: number): Promise<Buffer> {
  const { createBlobServiceClient } = await import('../../src/adapters/azure/clients.js');
  const { azuriteAccount } = await import('../support/azurite.js');
  const c = createBlobServiceClient(azuriteAccount()).getContainerClient(
    resourceNames(prefix).outputsContainer,
  );
  return c.getBlobClient(taskLogBlobName(wfId, task, attempt)).downloadToBuffer();
}

async function rawList(under: string): Promise<string[]> {
  const { createBlobServiceClient } = await import('../../src/adapters/azure/clients.js');
  const { azuriteAccount } = await import('../support/azurite.js');
  const c = createBlobServiceClient(azuriteAccount()).getContainerClient(
    resourceNames(prefix).outputsContainer,
  );
  const names: string[] = [];
  for await (const b of c.listBlobsFlat({ prefix: under })) names.push(b.name);
  return names;
}
