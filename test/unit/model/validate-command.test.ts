/** `jobq workflow validate FILES...` (reference §7.4), run in-process through the real CLI parser. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';

const FIXTURES = 'test/fixtures/definitions';

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(['workflow', 'validate', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('jobq workflow validate', () => {
  it('prints an OK line per valid file and exits 0', async () => {
    const r = await runCli([
      'examples/diamond.yaml',
      'examples/fan-out-fan-in.json',
      'examples/ml-pipeline.yaml',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'OK    examples/diamond.yaml  (4 tasks)\nOK    examples/fan-out-fan-in.json  (10 tasks)\nOK    examples/ml-pipeline.yaml  (8 tasks)\n',
    );
    expect(r.stderr).toBe('');
  });

  it('prints one FAIL line per broken file naming file, task and problem, and exits 1', async () => {
    const r = await runCli([
      'examples/diamond.yaml',
      `${FIXTURES}/cycle.yaml`,
      `${FIXTURES}/unknown-field.json`,
      `${FIXTURES}/bad-condition.yaml`,
      `${FIXTURES}/escaping-name.yaml`,
      `${FIXTURES}/not-a-mapping.yaml`,
      `${FIXTURES}/missing.yaml`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('OK    examples/diamond.yaml  (4 tasks)\n');
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `FAIL  ${FIXTURES}/cycle.yaml: Cycle detected involving tasks: ['a', 'b', 'c']`,
      `FAIL  ${FIXTURES}/unknown-field.json: tasks[1]: unknown task fields: ['retries']`,
      `FAIL  ${FIXTURES}/bad-condition.yaml: Task 'deploy': Condition references tasks not in depends_on: ['eval']`,
      `FAIL  ${FIXTURES}/escaping-name.yaml: Task '../../etc/passwd': task name must not contain a '..' path segment`,
      `FAIL  ${FIXTURES}/not-a-mapping.yaml: expected a mapping, got list`,
      `FAIL  ${FIXTURES}/missing.yaml: no such file`,
    ]);
  });

  it('--json prints [{path, ok, tasks, error}] with 2-space indentation', async () => {
    const r = await runCli(['--json', 'examples/retries.yaml', `${FIXTURES}/missing.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      JSON.stringify(
        [
          { path: 'examples/retries.yaml', ok: true, tasks: 2, error: null },
          { path: `${FIXTURES}/missing.yaml`, ok: false, tasks: null, error: 'no such file' },
        ],
        null,
        2,
      ) + '\n',
    );
  });

  it('fits a wide fan-in as submit would, refuses it with --max-fan-in 0, accepts --max-fan-in N', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-validate-'));
    const parents = Array.from({ length: 5000 }, (_, i) => `shard/${String(i).padStart(5, '0')}`);
    const file = join(dir, 'wide.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'wide',
        tasks: [...parents.map((name) => ({ name })), { name: 'collect', depends_on: parents }],
      }),
    );
    const fitted = await runCli(['--json', file]);
    expect(fitted.code).toBe(0);
    const [result] = JSON.parse(fitted.stdout) as { ok: boolean; tasks: number; max_fan_in: number }[];
    expect(result.ok).toBe(true);
    expect(result.max_fan_in).toBeGreaterThan(1000);
    expect(result.tasks).toBe(5001 + Math.ceil(5000 / result.max_fan_in));
    const noted = await runCli([file]);
    expect(noted.code).toBe(0);
    expect(noted.stderr).toContain(`submit adds merge nodes as with --max-fan-in ${result.max_fan_in}`);
    const refused = await runCli(['--max-fan-in', '0', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^FAIL {2}.*wide\.json: Task 'collect': its task message would be \d+ bytes with 5000 dependencies.*--max-fan-in N/,
    );
    const accepted = await runCli(['--max-fan-in', '1000', file]);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toBe(`OK    ${file}  (5006 tasks)\n`);
  });

  it('redacts secrets in --json output and FAIL lines (DECISIONS §7)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-validate-'));
    const file = join(dir, 'secret.yaml');
    // A cycle whose task names carry an account key: the error message repeats the names.
    writeFileSync(
      file,
      "name: s\ntasks:\n  - name: 'x;AccountKey=SECRET1'\n    depends_on: ['y;AccountKey=SECRET2']\n" +
        "  - name: 'y;AccountKey=SECRET2'\n    depends_on: ['x;AccountKey=SECRET1']\n",
    );
    const json = await runCli(['--json', file]);
    expect(json.code).toBe(1);
    const [result] = JSON.parse(json.stdout) as { error: string }[];
    expect(result.error).toBe("Cycle detected involving tasks: ['x;AccountKey=***', 'y;AccountKey=***']");
    const text = await runCli([file]);
    expect(text.stderr).toContain('AccountKey=***');
    expect(json.stdout + text.stderr).not.toContain('SECRET');
  });

  it('names an invalid queue with its task index, and never echoes a pasted connection string', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-validate-'));
    const file = join(dir, 'queue.yaml');
    writeFileSync(
      file,
      'name: q\ntasks:\n  - name: a\n    queue: "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=SECRET"\n',
    );
    const r = await runCli([file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `FAIL  ${file}: tasks[0] (a): queue: 'DefaultEndpointsProt…' is not a valid queue name: ` +
        'a connection string is not a queue spec; use ACCOUNT/NAME and set the account with --queues\n',
    );
  });

  it('rejects --max-fan-in 1 as a usage error', async () => {
    const r = await runCli(['--max-fan-in', '1', 'examples/diamond.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-fan-in must be an integer >= 2');
  });

  it('requires at least one file', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
  });

  describe('semaphore limits (issue 19)', () => {
    afterEach(() => vi.unstubAllEnvs());

    it('accepts examples/shared-database.yaml when its semaphore has a limit in env', async () => {
      vi.stubEnv('JOBQ_WORKFLOW_CONFIG', '');
      vi.stubEnv('JOBQ_COORDINATOR_SEMAPHORES', 'orders-db-writers=2');
      const r = await runCli(['examples/shared-database.yaml']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('OK    examples/shared-database.yaml  (6 tasks)\n');
      expect(r.code).toBe(0);
    });

    it('accepts it with the limit in jobq.yaml (--config)', async () => {
      const cfg = join(mkdtempSync(join(tmpdir(), 'jobq-sem-')), 'jobq.yaml');
      writeFileSync(cfg, 'coordinator:\n  semaphores:\n    orders-db-writers: 3\n');
      vi.stubEnv('JOBQ_COORDINATOR_SEMAPHORES', undefined as unknown as string);
      const r = await runCli(['--config', cfg, 'examples/shared-database.yaml']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    });

    it('fails it in one line naming the semaphore and the fix when no limit is configured', async () => {
      vi.stubEnv('JOBQ_WORKFLOW_CONFIG', '');
      vi.stubEnv('JOBQ_COORDINATOR_SEMAPHORES', 'gpu=4');
      const r = await runCli(['examples/shared-database.yaml']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        "FAIL  examples/shared-database.yaml: Task 'load-a': unknown semaphore 'orders-db-writers': no limit is configured for it " +
          '(configured: gpu); add it to coordinator.semaphores in jobq.yaml or JOBQ_COORDINATOR_SEMAPHORES=orders-db-writers=N\n',
      );
    });

    it('refuses a bad limit in one line (exit 2)', async () => {
      vi.stubEnv('JOBQ_COORDINATOR_SEMAPHORES', 'orders-db-writers=0');
      const r = await runCli(['examples/shared-database.yaml']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /Invalid limit for semaphore 'orders-db-writers' in env JOBQ_COORDINATOR_SEMAPHORES: expected a whole number from 1 to 10000, got "0"/,
      );
    });
  });
});
