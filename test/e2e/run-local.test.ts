/** `run-local` needs nothing running: it starts its own Azurite (or memory adapters), coordinator and workers. */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';

vi.setConfig({ testTimeout: 300_000 });

// No BLOB_PORT & co.: nothing points at the test run's Azurite.
const isolated = { BLOB_PORT: undefined, QUEUE_PORT: undefined, TABLE_PORT: undefined };

describe('run-local', () => {
  it('runs the ML example to completion on an embedded Azurite and exits 0', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jobq-rl-'));
    const r = await runCli(['workflow', 'run-local', join(REPO_ROOT, 'examples/ml-pipeline.yaml')], {
      cwd,
      env: isolated,
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^completed +[0-9a-f]{32} +ml-pipeline/m);
    expect(r.stdout).not.toContain('\u001b['); // not a TTY: plain lines only
    expect(r.stderr).toMatch(/1\/1 workflow\(s\) completed in [\d.]+s\. Logs: \.jobq\/run-local-.*\.log/);
    expect(readdirSync(join(cwd, '.jobq')).some((f) => f.startsWith('run-local-'))).toBe(true);
  });

  it('exits 1 when a workflow fails, reporting it in JSON', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jobq-rl-'));
    const r = await runCli(
      [
        'workflow',
        'run-local',
        join(REPO_ROOT, 'examples/failing.yaml'),
        join(REPO_ROOT, 'examples/diamond.yaml'),
        '--json',
      ],
      { cwd, env: isolated },
    );
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    const byName = Object.fromEntries(
      j.workflows.map((w: { name: string; status: string }) => [w.name, w.status]),
    );
    expect(byName).toEqual({ failing: 'failed', diamond: 'completed' });
  });

  it('runs on memory adapters with --backend memory', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jobq-rl-'));
    const r = await runCli(
      ['workflow', 'run-local', join(REPO_ROOT, 'examples/diamond.yaml'), '--backend', 'memory', '--json'],
      { cwd, env: isolated },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).workflows[0]).toMatchObject({
      name: 'diamond',
      status: 'completed',
      completed: 4,
    });
  });

  it('rejects bad flags and missing files with exit 2 before starting anything', async () => {
    const [workers, backend, missing] = await Promise.all([
      runCli(['workflow', 'run-local', 'examples/diamond.yaml', '--workers', '0']),
      runCli(['workflow', 'run-local', 'examples/diamond.yaml', '--backend', 'cloud']),
      runCli(['workflow', 'run-local', 'nope.yaml']),
    ]);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toMatch(/--workers must be a positive integer/);
    expect(backend.code).toBe(2);
    expect(backend.stderr).toMatch(/cloud/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/File not found: nope\.yaml/);
  });
});
