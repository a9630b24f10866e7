/**
 * `jobq workflow validate` fast path (src/cli/validate-fast-path.ts): `validate FILE… [--json]` skips
 * yargs and must behave exactly as the yargs path does. Each case runs twice — as given (fast path)
 * and with a trailing `--log-level warn`, a global flag that sends the same call through yargs — and
 * compares exit code, stdout and stderr.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { runValidateFastPath } from '../../src/cli/validate-fast-path.js';

vi.setConfig({ testTimeout: 120_000 });

const dir = mkdtempSync(join(tmpdir(), 'jobq-validate-fast-'));
writeFileSync(join(dir, 'empty.yaml'), '');
writeFileSync(join(dir, 'broken.yaml'), 'tasks: [\n');
const ex = (f: string) => join(REPO_ROOT, 'examples', f);
const fx = (f: string) => join(REPO_ROOT, 'test', 'fixtures', 'definitions', f);

const CASES: { args: string[]; expectCode: number; env?: Record<string, string> }[] = [
  { args: [ex('diamond.yaml')], expectCode: 0 },
  { args: [ex('diamond.yaml'), ex('fan-out-fan-in.json'), ex('ml-pipeline.yaml')], expectCode: 0 },
  { args: ['--json', ex('diamond.yaml'), fx('cycle.yaml')], expectCode: 1 },
  { args: [ex('retries.yaml'), '--json'], expectCode: 0 },
  { args: [fx('bad-condition.yaml')], expectCode: 1 },
  { args: [fx('unknown-field.json'), fx('not-a-mapping.yaml'), fx('escaping-name.yaml')], expectCode: 1 },
  { args: ['missing.yaml'], expectCode: 1 },
  { args: ['empty.yaml', 'broken.yaml'], expectCode: 1 },
  { args: ['.'], expectCode: 1 },
  // Semaphore limits come from the environment (or jobq.yaml), read only for a file that names one.
  { args: [ex('shared-database.yaml')], expectCode: 1 },
  {
    args: [ex('shared-database.yaml')],
    expectCode: 0,
    env: { JOBQ_COORDINATOR_SEMAPHORES: 'orders-db-writers=2' },
  },
];

describe('jobq workflow validate fast path', () => {
  for (const c of CASES) {
    it(`validate ${c.args.map((a) => a.replace(REPO_ROOT + '/', '')).join(' ')} behaves as through yargs`, async () => {
      const fast = await runCli(['workflow', 'validate', ...c.args], { cwd: dir, env: c.env });
      const slow = await runCli(['workflow', 'validate', ...c.args, '--log-level', 'warn'], {
        cwd: dir,
        env: c.env,
      });
      expect(fast.code, fast.stderr).toBe(c.expectCode);
      expect(fast).toEqual(slow);
    });
  }

  it('leaves help, other flags and a missing file to yargs', async () => {
    for (const args of [
      [],
      ['--help'],
      ['-h'],
      ['a.yaml', '--help'],
      ['a.yaml', '--max-fan-in', '4'],
      ['a.yaml', '--max-fan-in=4'],
      ['a.yaml', '--json', '--json'],
      ['a.yaml', '--no-json'],
      ['a.yaml', '--json=false'],
      ['--json'],
      ['a.yaml', '-'],
      ['a.yaml', ''],
      ['a.yaml', '--'],
      ['a.yaml', '--color'],
    ]) {
      expect(await runValidateFastPath(args), args.join(' ')).toBe(false);
    }
  });
});
