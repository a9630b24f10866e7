/** submit / cancel / retry / purge / break-lease as child processes against the test Azurite, with bad input for each. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { azuriteEnv, runCli, type CliResult } from '../support/cli.js';
import { uniquePrefix } from '../support/azurite.js';
import { openTestBackend, writtenIds } from '../support/backend.js';
import { WorkflowRuntime } from '../../src/engine/index.js';
import type { Backend } from '../../src/ports/backend.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const dir = mkdtempSync(join(tmpdir(), 'jobq-e2e-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const twoTasks = (name: string) =>
  `name: ${name}\ntasks:\n  - name: a\n    kwargs: {cmd: "true"}\n  - name: b\n    depends_on: [a]\n    kwargs: {cmd: "true"}\n`;

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

describe('submit: bad input writes nothing', () => {
  const prefix = uniquePrefix('Bad');
  const wf = (...args: string[]) =>
    runCli(['workflow', `devstoreaccount1/${prefix}`, ...args], { env: azuriteEnv() });
  let backend: Backend;
  beforeAll(async () => (backend = await openTestBackend(prefix)));
  afterAll(async () => backend?.close());

  it('refuses a missing file, an invalid definition, a bad ID and bad flag values with exit 2', async () => {
    const cyclic = file(
      'cyclic.yaml',
      'name: c\ntasks:\n  - name: a\n    depends_on: [b]\n    kwargs: {cmd: "true"}\n  - name: b\n    depends_on: [a]\n    kwargs: {cmd: "true"}\n',
    );
    const good = file('good.yaml', twoTasks('good'));
    const results = await Promise.all([
      wf('submit', join(dir, 'missing.yaml')),
      wf('submit', good, cyclic),
      wf('submit', good, '--id', 'bad/id'),
      wf('submit', good, '--concurrency', '0'),
      wf('submit', good, '--max-fan-in', '-3'),
      wf('submit', good, good, '--id', 'x1'),
      wf('submit'),
    ]);
    expectUserError(results[0], 2, /File not found: .*missing\.yaml/);
    expectUserError(results[1], 2, /cyclic\.yaml.*cycl/i);
    expectUserError(results[2], 2, /Invalid workflow ID 'bad\/id'/);
    expectUserError(results[3], 2, /--concurrency must be a positive integer/);
    expectUserError(results[4], 2, /--max-fan-in must be a non-negative integer/);
    expectUserError(results[5], 2, /--id cannot be used with multiple files/);
    expectUserError(results[6], 2, /No definition files provided/);
    for (const r of results) expect(r.stdout).toBe('');
    expect(await writtenIds(backend)).toEqual({ blobs: [], rows: [] });
  });
});

describe('submit, cancel, retry', () => {
  const prefix = uniquePrefix('Write');
  const wf = (...args: string[]) =>
    runCli(['workflow', `devstoreaccount1/${prefix}`, ...args], { env: azuriteEnv() });
  let backend: Backend;
  beforeAll(async () => (backend = await openTestBackend(prefix)));
  afterAll(async () => backend?.close());

  it('prints only the ID on stdout and the summary line on stderr; refuses to re-submit the ID (exit 1)', async () => {
    const p = file('one.yaml', twoTasks('one'));
    const r = await wf('submit', p, '--id', 'wf-one');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('wf-one\n');
    expect(r.stderr).toContain(`Submitted "one" (2 tasks, 1 root: a) to devstoreaccount1/${prefix} → wf-one`);
    const again = await wf('submit', p, '--id', 'wf-one');
    expectUserError(again, 1, /already exists/);
    expect((await writtenIds(backend)).rows).toEqual(['wf-one']);
  });

  it('submits every definition of a directory and paths read from stdin', async () => {
    const sub = join(dir, 'batch');
    mkdirSync(sub);
    writeFileSync(join(sub, 'x.yaml'), twoTasks('x'));
    writeFileSync(join(sub, 'y.yml'), twoTasks('y'));
    writeFileSync(join(sub, 'notes.txt'), 'ignored');
    const r = await wf('submit', sub);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(r.stderr).toContain('Submitted 2/2 workflows (4 tasks)');
    const viaStdin = await runCli(['workflow', `devstoreaccount1/${prefix}`, 'submit', '-'], {
      env: azuriteEnv(),
      input: `${join(sub, 'x.yaml')}\n\n`,
    });
    expect(viaStdin.code, viaStdin.stderr).toBe(0);
    expect(viaStdin.stdout.trim()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('cancel sets the flag (text and one-line JSON); a missing workflow answers 1', async () => {
    const [text, json, missing, bad] = await Promise.all([
      wf('cancel', 'wf-one'),
      wf('cancel', 'wf-one', '--json'),
      wf('cancel', 'ghost'),
      wf('cancel', 'a b'),
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /Cancell?ation (requested|was already requested) for workflow wf-one in devstoreaccount1\//,
    );
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      workflow_id: 'wf-one',
      cancel_requested: true,
      target: `devstoreaccount1/${prefix}`,
    });
    expectUserError(missing, 1, /not found/);
    expectUserError(bad, 2, /Invalid workflow ID/);
    expect(await backend.index.getCancelRequested('wf-one')).toBe(true);
  });

  it('retry resets a failed workflow and clears the cancel flag; nothing to retry says so', async () => {
    // Play the coordinator: admit and fail task a.
    const stored = (await backend.state.load('wf-one'))!;
    const rt = WorkflowRuntime.fromDocs(stored.def, { ...stored.state!, cancel_requested: false });
    const d = rt.activate(Date.now()).dispatch[0];
    rt.applyCompletion(
      { task: 'a', success: false, outputRef: null, error: 'boom', attemptNo: d.attemptNo },
      Date.now(),
    );
    await backend.state.saveState(rt.toStateDoc(), stored.etag);

    const json = await wf('retry', 'wf-one', '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ reset: 2, now_ready: 1, still_pending: 1 });
    expect(await backend.index.getCancelRequested('wf-one')).toBe(false);
    const [again, missing] = await Promise.all([wf('retry', 'wf-one'), wf('retry', 'ghost')]);
    expect(again.stdout, again.stderr).toContain(
      `Workflow wf-one in devstoreaccount1/${prefix}: no tasks to retry.`,
    );
    expectUserError(missing, 1, /not found/);
  });
});

describe('purge and break-lease', () => {
  const prefix = uniquePrefix('Purge');
  const wf = (...args: string[]) =>
    runCli(['workflow', `devstoreaccount1/${prefix}`, ...args], { env: azuriteEnv() });
  let backend: Backend;
  beforeAll(async () => (backend = await openTestBackend(prefix)));
  afterAll(async () => backend?.close());

  it('asks before deleting (non-interactive answers no: exit 1, nothing deleted), deletes with --yes', async () => {
    expect((await wf('submit', file('p.yaml', twoTasks('p')), '--id', 'p1')).code).toBe(0);
    const refused = await wf('purge', '--all');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('This will permanently delete ALL (including running) workflow data');
    expect((await writtenIds(backend)).rows).toEqual(['p1']);

    const terminalOnly = await wf('purge', '--yes');
    expect(terminalOnly.stdout).toContain('Deleted 0 workflow rows and 0 task rows.');
    const all = await wf('purge', '--all', '--drain-queues', '--yes', '--json');
    expect(all.code, all.stderr).toBe(0);
    const j = JSON.parse(all.stdout);
    expect(j.workflows).toBe(1);
    expect(j.queues[`${prefix.toLowerCase()}-workflow-completions`]).toBe(1); // the activate message
    expect(await writtenIds(backend)).toEqual({ blobs: [], rows: [] });
  });

  it('--orphans removes blobs without an index row older than the grace period only', async () => {
    expect((await wf('submit', file('o.yaml', twoTasks('o')), '--id', 'o1')).code).toBe(0);
    await backend.index.delete('o1');
    const r = await wf('purge', '--orphans', '--yes');
    expect(r.stdout).toContain('Removed 0 orphan workflow(s)'); // younger than 60 s: maybe a submit in flight
    expect((await writtenIds(backend)).blobs).toEqual(['o1']);
  });

  it('break-lease breaks with --yes and refuses without', async () => {
    const [refused, broken] = [await wf('break-lease'), await wf('break-lease', '--yes')];
    expect(refused.code).toBe(1);
    expect(broken.code, broken.stderr).toBe(0);
    expect(broken.stdout).toContain(`Lease broken for devstoreaccount1/${prefix}.`);
  });
});
