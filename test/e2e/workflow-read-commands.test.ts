/**
 * `jobq workflow` as a user runs it: a child process per command against the test Azurite, text and
 * --json, plus bad input for each command (exit 2, one line, no stack trace).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { azuriteEnv, runCli, type CliResult } from '../support/cli.js';
import { uniquePrefix } from '../support/azurite.js';
import { openTestBackend } from '../support/backend.js';
import type { Backend } from '../../src/ports/backend.js';

// Each CLI run is a fresh Node process; on a loaded 2-core machine that takes seconds.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const prefix = uniquePrefix('Read');
const target = `devstoreaccount1/${prefix}`;
const wf = (...args: string[]) => runCli(['workflow', target, ...args], { env: azuriteEnv() });
let backend: Backend;
let id: string;

/** A user error: the given code, one line on stderr, no stack trace. */
function expectUserError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('▶'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  backend = await openTestBackend(prefix);
  const r = await wf('submit', 'examples/diamond.yaml', '--id', 'diamond-1');
  expect(r.code, r.stderr).toBe(0);
  id = r.stdout.trim();
});

afterAll(async () => {
  await backend?.close();
});

describe('status', () => {
  it('prints the view with the task table and layer table', async () => {
    const r = await wf('status', id, '--by-layer');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Workflow ${id}`);
    expect(r.stdout).toMatch(/Status: +pending/);
    expect(r.stdout).toContain('0 completed  0 running  0 failed  4 pending');
    expect(r.stdout).toMatch(/Layer .*Total .*Pending .*Ready/);
    expect(r.stdout).not.toContain('\u001b[');
    expect(r.stderr).toContain(`▶ devstoreaccount1(flag)/${prefix}(flag)`);
  });

  it('prints reference-shaped JSON with tasks keyed by name', async () => {
    const r = await wf('status', id, '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      workflow_id: id,
      name: 'diamond',
      status: 'pending',
      total: 4,
      completed: 0,
      pending: 4,
    });
    expect(Object.keys(j.tasks).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(j.tasks.d).toMatchObject({ depends_on: ['b', 'c'], dep_policy: 'all', completed_deps: 0 });
    expect(j.tasks.a).not.toHaveProperty('output_ref');
    expect(r.stderr).toBe(''); // no banner with --json
  });

  it('answers 1 for a missing workflow and 2 for a malformed ID', async () => {
    const [missing, bad] = await Promise.all([wf('status', 'no-such-wf'), wf('status', '../etc')]);
    expectUserError(missing, 1, /workflow not found: no-such-wf/);
    expectUserError(bad, 2, /Invalid workflow ID/);
  });
});

describe('list, summary, tasks', () => {
  it('list shows the workflow in a table and as JSON', async () => {
    const [text, json, pending] = await Promise.all([
      wf('list'),
      wf('list', '--json'),
      wf('list', '--status', 'COMPLETED'),
    ]);
    expect(text.stdout, text.stderr).toMatch(new RegExp(`${id} .*diamond .*pending .*0/4 done, 0 fail`));
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ workflow_id: id, status: 'pending', total: 4 }),
    ]);
    expect(pending.stdout.trim()).toBe('No workflows found.');
  });

  it('list rejects a bad --status and a non-positive --recent', async () => {
    const [badStatus, badRecent] = await Promise.all([
      wf('list', '--status', 'nope'),
      wf('list', '--recent', '0'),
    ]);
    expectUserError(badStatus, 2, /--status must be one of pending, running/);
    expectUserError(badRecent, 2, /--recent must be a positive integer/);
  });

  it('summary counts workflows per state', async () => {
    const [text, json] = await Promise.all([wf('summary'), wf('summary', '--json')]);
    expect(JSON.parse(json.stdout)).toEqual({
      workflows: { pending: 1 },
      total_workflows: 1,
      total_tasks: 4,
      completed_tasks: 0,
      running_tasks: 0,
      failed_tasks: 0,
      pending_tasks: 4,
      skipped_tasks: 0,
    });
    expect(text.stdout).toContain('0.0% complete — 4 total tasks');
  });

  it('tasks filters by state and prefix, with --limit', async () => {
    const [ready, json, limited, scanAll] = await Promise.all([
      wf('tasks', id, '--status', 'ready'),
      wf('tasks', id, '--json', '--prefix', 'b'),
      wf('tasks', id, '--limit', '2'),
      wf('tasks', '--json'),
    ]);
    expect(ready.stdout, ready.stderr).toMatch(/\ba +│ ready/);
    expect(ready.stdout).not.toMatch(/\bd +│/);
    expect(JSON.parse(json.stdout).map((t: { name: string }) => t.name)).toEqual(['b']);
    expect(limited.stdout, limited.stderr).toContain('(showing first 2 — use --limit 0 for all)');
    expect(JSON.parse(scanAll.stdout)).toHaveLength(4);
    expect(JSON.parse(scanAll.stdout)[0]).toHaveProperty('workflow_id', id);
  });

  it('tasks rejects a bad --status, a negative --limit and a missing workflow', async () => {
    const [badStatus, badLimit, missing] = await Promise.all([
      wf('tasks', id, '--status', 'weird'),
      wf('tasks', id, '--limit', '-1'),
      wf('tasks', 'ghost'),
    ]);
    expectUserError(badStatus, 2, /--status must be one of pending, ready/);
    expectUserError(badLimit, 2, /--limit must be a non-negative integer/);
    expectUserError(missing, 1, /workflow not found: ghost/);
  });
});

describe('explain and doctor', () => {
  it('explain says the workflow waits for admission; --task explains a task', async () => {
    const [wfText, taskJson, missing] = await Promise.all([
      wf('explain', id),
      wf('explain', id, '--task', 'd', '--json'),
      wf('explain', 'ghost', '--json'),
    ]);
    expect(wfText.code).toBe(0);
    expect(wfText.stdout).toContain('waiting for admission by the coordinator');
    const e = JSON.parse(taskJson.stdout);
    expect(e).toMatchObject({
      workflow_id: id,
      task: 'd',
      status: 'pending',
      summary: 'task d is pending, 0/2 deps complete',
    });
    expect(e.blockers).toContain('waiting on 2 of 2 dependency completion(s): b, c');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).status).toBe('missing');
  });

  it('doctor reports every check, warns that no coordinator holds the lease, exits 0 without failures', async () => {
    const [text, json] = await Promise.all([wf('doctor'), wf('doctor', '--json')]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/⚠ Coordinator lease: not held/);
    expect(text.stdout).toMatch(/Doctor: \d+ passed, \d+ warning\(s\), 0 error\(s\)\./);
    const j = JSON.parse(json.stdout);
    expect(j.checks.map((c: { name: string }) => c.name)).toEqual([
      'Workflow config',
      'Workflow store',
      'Completion queue',
      'Coordinator lease',
      'Pending workflows',
      'Running tasks',
      'Ready tasks',
      'Orphan blobs',
      'Poison messages',
    ]);
    expect(j.checks[2].message).toMatch(/depth 1/); // the activate message waits for a coordinator
    expect(j.summary.fail).toBe(0);
  });

  it('doctor fails (exit 1) when storage is unreachable and names `jobq azurite`', async () => {
    const r = await runCli(['workflow', 'doctor', '--json'], {
      env: { BLOB_PORT: '1', QUEUE_PORT: '2', TABLE_PORT: '3' },
    });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.checks[1]).toMatchObject({ name: 'Workflow store', status: 'fail' });
    expect(j.checks[1].message).toContain('jobq azurite');
  });

  it('doctor rejects a bad threshold', async () => {
    expectUserError(
      await wf('doctor', '--stale-running-min', 'abc'),
      2,
      /--stale-running-min must be a positive number/,
    );
  });
});

describe('embedded default and help', () => {
  it('with nothing configured and nothing listening, says so in one line naming `jobq azurite`', async () => {
    const r = await runCli(['workflow', 'list'], {
      env: { BLOB_PORT: '1', QUEUE_PORT: '2', TABLE_PORT: '3' },
      cwd: '/',
    });
    expectUserError(r, 2, /127\.0\.0\.1:1.*`jobq azurite`/);
  });

  it('`jobq workflow --help` lists every subcommand', async () => {
    const r = await runCli(['workflow', '--help']);
    for (const sub of [
      'submit',
      'status',
      'watch',
      'list',
      'tasks',
      'summary',
      'cancel',
      'retry',
      'purge',
      'doctor',
      'explain',
      'break-lease',
      'run-local',
    ]) {
      expect(r.stdout).toContain(`jobq workflow ${sub}`);
    }
  });
});
