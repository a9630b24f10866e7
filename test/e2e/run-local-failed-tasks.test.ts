/**
 * run-local's final summary of a failed workflow: each failed task with its error line, and where the
 * rest of its log is (run-local's storage is gone once it exits, so the log is saved to a file first).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';

vi.setConfig({ testTimeout: 300_000 });

const isolated = { BLOB_PORT: undefined, QUEUE_PORT: undefined, TABLE_PORT: undefined };

describe('run-local summary of failed tasks', () => {
  it('names each failed task with its error line and the command that shows its whole log', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jobq-rl-failed-'));
    const r = await runCli(['workflow', 'run-local', join(REPO_ROOT, 'examples/failing.yaml')], {
      cwd,
      env: isolated,
    });
    expect(r.code, r.stderr).toBe(1);
    const out = r.stdout.split('\n');
    const i = out.findIndex((l) => /^ {2}✖ [0-9a-f]{32}\/break \(attempt 1\): /.test(l));
    expect(i, r.stdout).toBeGreaterThanOrEqual(0);
    expect(out[i]).toMatch(/: task command exited with code 3; stderr: break: exiting with status 3$/);
    // Only the task that failed is named (its child `never` did not run: upstream_failed).
    expect(out.filter((l) => l.includes('✖'))).toHaveLength(1);
    const cmd = /^ {6}the rest of its log: cat (\S+)$/.exec(out[i + 1]);
    expect(cmd, out[i + 1]).not.toBeNull();
    const saved = readFileSync(join(cwd, cmd![1]), 'utf8');
    expect(saved).toMatch(/Z stderr +break: exiting with status 3\n/);
    expect(saved).toMatch(/Z jobq +attempt failed: task command exited with code 3/);
  });
});
