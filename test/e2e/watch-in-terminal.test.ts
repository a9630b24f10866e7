/**
 * `watch` under a pseudo-terminal (util-linux `script`): the live view shows progress and ends with
 * the terminal state; a coordinator and a worker run in this process against the test Azurite.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { azuriteEnv, cliCommand, runCli } from '../support/cli.js';
import { uniquePrefix, waitFor } from '../support/azurite.js';
import { openTestBackend } from '../support/backend.js';
import { Coordinator } from '../../src/coordinator/index.js';
import { Worker } from '../../src/worker/index.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../src/config/defaults.js';
import { silentLogger } from '../../src/log.js';
import type { Backend } from '../../src/ports/backend.js';
import { WorkflowClient } from '../../src/client/workflow-client.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const prefix = uniquePrefix('Watch');
const target = `devstoreaccount1/${prefix}`;
let backend: Backend;
let coordinator: Coordinator;
let worker: Worker;

/** The last non-empty line of terminal output, escape sequences removed. */
function lastLine(screen: string): string {
  // eslint-disable-next-line no-control-regex -- stripping terminal escape sequences is the point
  const plain = screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  return plain.trim().split('\n').at(-1)!.trim();
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

interface PtyRun {
  /** Everything written to the terminal so far. */
  screen(): string;
  exited: Promise<number | null>;
}

/** Run `jobq workflow … watch ID` inside `script` on a 40x120 pseudo-terminal. */
function watchInPty(id: string): PtyRun {
  const watch = [...cliCommand(), 'workflow', target, 'watch', id, '--interval', '0.3']
    .map(shellQuote)
    .join(' ');
  const cmd = `stty rows 40 cols 120; exec ${watch}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...azuriteEnv(),
    FORCE_COLOR: '1',
    COLUMNS: '120',
    LINES: '40',
  };
  delete env.NO_COLOR;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
  child.stderr.on('data', (d: Buffer) => (screen += d.toString()));
  return {
    screen: () => screen,
    exited: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
}

async function startCoordinatorAndWorker(): Promise<void> {
  coordinator = new Coordinator({
    backend,
    settings: { ...DEFAULT_COORDINATOR_SETTINGS, idleSleepS: 0.05, maxIdleSleepS: 0.2 },
    logger: silentLogger(),
  });
  await coordinator.start();
  worker = new Worker({
    backend,
    queue: 'default',
    concurrency: 2,
    visibilityTimeoutS: 60,
    idleTimeoutS: null,
    maxIdleBackoffS: 0.2,
    processor: 'shell',
    cancelPollIntervalS: 1,
    killTimeoutS: 5,
    completionSendMaxAttempts: 0,
    logger: silentLogger(),
  });
  await worker.start();
}

beforeAll(async () => {
  backend = await openTestBackend(prefix);
});

afterAll(async () => {
  await worker?.stop({ graceMs: 1000 });
  await coordinator?.stop();
  await backend?.close();
});

describe('watch in a terminal', () => {
  it('redraws a coloured progress view and ends with the terminal state (exit 0 when completed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-watch-'));
    const steps = Array.from(
      { length: 4 },
      (_, i) =>
        `  - name: step-00${i}\n${i ? `    depends_on: [step-00${i - 1}]\n` : ''}    kwargs: {cmd: "sleep 0.5"}\n`,
    ).join('');
    writeFileSync(join(dir, 'chain.yaml'), `name: chain\ntasks:\n${steps}`);
    const sub = await runCli(['workflow', target, 'submit', join(dir, 'chain.yaml')], { env: azuriteEnv() });
    expect(sub.code, sub.stderr).toBe(0);
    const id = sub.stdout.trim();

    // The watch starts while no coordinator runs, so it must show the workflow pending, then progress.
    const pty = watchInPty(id);
    await waitFor(() => /Status: +.*pending/.test(pty.screen()), {
      timeoutMs: 120_000,
      what: 'the first frame',
    });
    await startCoordinatorAndWorker();
    const code = await pty.exited;
    const screen = pty.screen();
    expect(code, screen).toBe(0);
    expect(screen).toContain(`Workflow ${id}`);
    expect(screen).toContain('\u001b[32m█'); // green completed segment of the bar
    expect(screen).toMatch(/Layer/); // layer table shown by default
    expect(screen).toContain('4/4 tasks');
    expect(lastLine(screen)).toBe(`Workflow ${id} reached terminal state: completed.`);
  });

  it('exits 1 when the workflow fails', async () => {
    const sub = await runCli(['workflow', target, 'submit', 'examples/failing.yaml'], { env: azuriteEnv() });
    const id = sub.stdout.trim();
    const pty = watchInPty(id);
    const code = await pty.exited;
    const screen = pty.screen();
    expect(code, screen).toBe(1);
    expect(screen).toContain(`Workflow ${id} reached terminal state: failed.`);
  });

  it('submit --wait follows the workflow and exits 0 when it completed (plain output when not a terminal)', async () => {
    const r = await runCli(['workflow', target, 'submit', 'examples/diamond.yaml', '--wait'], {
      env: azuriteEnv(),
    });
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(r.stderr).toContain(`Workflow ${id} reached terminal state: completed.`);
    expect(r.stderr).not.toContain('\u001b[');
  });

  it('retry of a failed workflow is dispatched by the running coordinator (the task runs again)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-retry-'));
    const marker = join(dir, 'runs.txt');
    writeFileSync(
      join(dir, 'flaky.yaml'),
      `name: flaky\ntasks:\n  - name: once\n    kwargs: {cmd: "echo run >> ${marker}; exit 3"}\n`,
    );
    const sub = await runCli(['workflow', target, 'submit', join(dir, 'flaky.yaml')], { env: azuriteEnv() });
    const id = sub.stdout.trim();
    const client = new WorkflowClient({ backend });
    await waitFor(async () => (await client.status(id)).status === 'failed', {
      timeoutMs: 120_000,
      what: 'first failure',
    });
    const r = await runCli(['workflow', target, 'retry', id, '--json'], { env: azuriteEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ reset: 1, now_ready: 1, still_pending: 0 });
    const runs = () => (existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').length : 0);
    await waitFor(async () => runs() === 2 && (await client.status(id)).status === 'failed', {
      timeoutMs: 120_000,
      what: 'the retried task to run and fail again',
    });
  });
});
