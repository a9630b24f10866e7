/**
 * Bad input is reported as itself, not as a storage error: `submit` validates every definition and
 * `worker` every option before contacting storage (reference §7.4, DECISIONS §7). The target's ports
 * are closed, so any contact with storage would answer "nothing is listening" instead.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const dir = mkdtempSync(join(tmpdir(), 'jobq-e2e-input-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** A loopback port nothing listens on (bound once, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function expectOneLine(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stdout).toBe('');
}

let env: Record<string, string>;
const TARGET = 'devstoreaccount1/Closed';

beforeAll(async () => {
  const port = String(await closedPort());
  env = { BLOB_PORT: port, QUEUE_PORT: port, TABLE_PORT: port };
});

const task = (name: string, extra = '') => `  - name: ${name}\n    kwargs: {cmd: "true"}\n${extra}`;

describe('submit validates every definition before opening storage', () => {
  it('reports a cycle in a single file, naming the file (exit 2)', async () => {
    const cyc = file(
      'cyc.yaml',
      `name: c\ntasks:\n${task('a', '    depends_on: [b]\n')}${task('b', '    depends_on: [a]\n')}`,
    );
    const r = await runCli(['workflow', TARGET, 'submit', cyc], { env });
    expectOneLine(r, 2, /^.*cyc\.yaml: Cycle detected involving tasks: \['a', 'b'\]$/);
  });

  it('reports an invalid queue name with file, task index and task (exit 2)', async () => {
    const badQueue = file('queue.yaml', `name: q\ntasks:\n${task('a')}${task('b', '    queue: My_Queue\n')}`);
    const r = await runCli(['workflow', TARGET, 'submit', badQueue], { env });
    expectOneLine(
      r,
      2,
      /queue\.yaml: tasks\[1\] \(b\): queue: 'My_Queue' is not a valid queue name: .*lowercase \(try 'my-queue'\)$/,
    );
  });

  it("checks a cache key's {inputs…} references against the task's parents (exit 2, one line)", async () => {
    const bad = file(
      'cachekey.yaml',
      `name: k\ntasks:\n${task('a')}${task('b', '    depends_on: [a]\n    cache: {key: "m-{inputs.zz.sha}"}\n')}`,
    );
    const r = await runCli(['workflow', TARGET, 'submit', bad], { env });
    expectOneLine(r, 2, /cachekey\.yaml: Task 'b': cache\.key \{inputs\.zz\.sha\}: .*zz/);
    const notInputs = file(
      'cachekey2.yaml',
      `name: k\ntasks:\n${task('a')}${task('b', '    depends_on: [a]\n    cache: {key: "m-{outputs.a}"}\n')}`,
    );
    const r2 = await runCli(['workflow', TARGET, 'submit', notInputs], { env });
    expectOneLine(
      r2,
      2,
      /cachekey2\.yaml: Task 'b': cache\.key reference \{outputs\.a\} must be an inputs\.<parent>… path/,
    );
  });

  it('refuses an oversized kwargs task, naming the file, before connecting', async () => {
    const big = file(
      'big.json',
      JSON.stringify({ name: 'b', tasks: [{ name: 'a', kwargs: { cmd: 'x'.repeat(70_000) } }] }),
    );
    const r = await runCli(['workflow', TARGET, 'submit', big], { env });
    expectOneLine(r, 2, /big\.json: Task 'a': its kwargs are too large/);
  });

  it('refuses an unknown semaphore and a task with both locks in one line, exit 2, before connecting; a mutex alone is valid', async () => {
    const envNoSem = { ...env, JOBQ_COORDINATOR_SEMAPHORES: 'db=2' };
    const sem = file('sem.yaml', `name: s\ntasks:\n${task('a', '    semaphore: gpu\n')}`);
    const r = await runCli(['workflow', TARGET, 'submit', sem], { env: envNoSem });
    expectOneLine(
      r,
      2,
      /sem\.yaml: Task 'a': unknown semaphore 'gpu': no limit is configured for it \(configured: db\)/,
    );
    const both = file('both.yaml', `name: b\ntasks:\n${task('a', '    mutex: db\n    semaphore: db\n')}`);
    const r2 = await runCli(['workflow', TARGET, 'submit', both], { env: envNoSem });
    expectOneLine(r2, 2, /both\.yaml: Task 'a': set either 'mutex' or 'semaphore', not both/);
    const mutex = file('mutex.yaml', `name: m\ntasks:\n${task('a')}${task('b', '    mutex: db\n')}`);
    const v = await runCli(['workflow', 'validate', '--json', mutex, sem], { env: envNoSem });
    expect(v.code, v.stderr).not.toBe(0);
    const verdicts = JSON.parse(v.stdout) as { ok: boolean; error?: string }[];
    expect(verdicts.map((x) => x.ok)).toEqual([true, false]);
    expect(verdicts[1].error).toMatch(/^Task 'a': unknown semaphore 'gpu'/);
    // Valid, so submit goes on to storage — and finds the closed port.
    const r3 = await runCli(['workflow', TARGET, 'submit', mutex], { env: envNoSem });
    expectOneLine(r3, 2, /nothing is listening/);
  });

  it('still reports the unreachable storage for a valid definition (the ports really are closed)', async () => {
    const good = file('good.yaml', `name: g\ntasks:\n${task('a')}`);
    const r = await runCli(['workflow', TARGET, 'submit', good], { env });
    expectOneLine(r, 2, /nothing is listening/);
  });
});

describe('worker validates its options before connecting', () => {
  const worker = (args: string[], extraEnv: Record<string, string> = {}) =>
    runCli(['worker', ...args, '--target', TARGET], { env: { ...env, ...extraEnv } });

  it('reports --concurrency 0, a bad queue name and a malformed env knob (exit 2)', async () => {
    const [concurrency, queue, knob, grace, notANumber, align] = await Promise.all([
      worker(['tasks', '--concurrency', '0']),
      worker(['Bad_Queue!!']),
      worker(['tasks'], { JOBQ_COMPLETION_SEND_MAX_ATTEMPTS: 'five' }),
      worker(['tasks', '--shutdown-grace', '-1']),
      worker(['tasks', '--visibility-timeout=soon']),
      worker(['tasks'], { JOBQ_IDLE_ALIGN: 'sometimes' }),
    ]);
    expectOneLine(concurrency, 2, /--concurrency must be a positive integer, got '0'\.$/);
    expectOneLine(queue, 2, /Invalid queue 'Bad_Queue!!': Storage queue names must be lowercase/);
    expectOneLine(knob, 2, /JOBQ_COMPLETION_SEND_MAX_ATTEMPTS must be a whole number .*got 'five'/);
    expectOneLine(grace, 2, /--shutdown-grace must be a number of seconds >= 0, got '-1'\.$/);
    expectOneLine(notANumber, 2, /--visibility-timeout must be a positive number, got 'soon'\.$/);
    expectOneLine(align, 2, /JOBQ_IDLE_ALIGN must be 1 or 0 .*got 'sometimes'\.$/);
  });

  it('still reports the unreachable storage when the options are fine', async () => {
    const [plain, unaligned] = await Promise.all([
      worker(['tasks']),
      // The flag is known (strict parsing would refuse it otherwise) and overrides the env knob.
      worker(['tasks', '--no-idle-align'], { JOBQ_IDLE_ALIGN: '1' }),
    ]);
    expectOneLine(plain, 2, /nothing is listening/);
    expectOneLine(unaligned, 2, /nothing is listening/);
  });
});

describe('number flags echo what the user typed', () => {
  it("list --recent abc says got 'abc', not NaN (exit 2)", async () => {
    const [recent, concurrency] = await Promise.all([
      runCli(['workflow', TARGET, 'list', '--recent', 'abc'], { env }),
      runCli(['worker', 'tasks', '--concurrency', 'many', '--target', TARGET], { env }),
    ]);
    expectOneLine(recent, 2, /^jobq: --recent must be a positive integer, got 'abc'\.$/);
    expectOneLine(concurrency, 2, /^jobq: --concurrency must be a positive integer, got 'many'\.$/);
  });
});

describe('task output set --file', () => {
  it('reports a missing file in one line naming it (exit 2)', async () => {
    const out = file('out.json', '');
    const missing = join(dir, 'missing.json');
    const r = await runCli(['task', 'output', 'set', '--file', missing], { env: { JOBQ_OUTPUT_FILE: out } });
    expectOneLine(
      r,
      2,
      new RegExp(`--file ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: no such file$`),
    );
  });
});
