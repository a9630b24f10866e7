/**
 * `jobq task …` fast path (src/cli/task-fast-path.ts): a well-formed call skips yargs, and must behave
 * exactly as the yargs path does. Each case runs twice — as given (fast path) and with a trailing
 * `--log-level warn`, a global flag that sends the same call through yargs — and compares exit code,
 * stdout, stderr and the output file written.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../support/cli.js';
import { runTaskFastPath } from '../../src/cli/task-fast-path.js';

vi.setConfig({ testTimeout: 120_000 });

const dir = mkdtempSync(join(tmpdir(), 'jobq-task-fast-'));
writeFileSync(join(dir, 'in.json'), '{"x":2}');
writeFileSync(join(dir, 'model.bin'), 'weights');
const out = join(dir, 'out.json');
const taskEnv = { JOBQ_WORKFLOW_ID: 'wf1', JOBQ_WORKFLOW_TASK: 't1', JOBQ_OUTPUT_FILE: out };

async function runOnce(args: string[], env: Record<string, string | undefined>, input: string) {
  rmSync(out, { force: true });
  const r = await runCli(['task', ...args], { cwd: dir, env, input });
  return { ...r, written: existsSync(out) ? readFileSync(out, 'utf8') : null };
}

const CASES: { args: string[]; outside?: boolean; expectCode: number }[] = [
  { args: ['output', 'set', '{"a":1}'], expectCode: 0 },
  { args: ['output', 'set', '{bad'], expectCode: 2 },
  { args: ['output', 'set', '--file', 'in.json'], expectCode: 0 },
  { args: ['output', 'set', '--file=in.json'], expectCode: 0 },
  { args: ['output', 'set', '--file=-'], expectCode: 0 },
  { args: ['output', 'set', '--file', 'missing.json'], expectCode: 2 },
  { args: ['stash', 'model.bin'], expectCode: 0 },
  { args: ['stash', 'missing.bin'], expectCode: 2 },
  { args: ['output', 'set', '{"a":1}'], outside: true, expectCode: 2 },
  { args: ['inputs'], outside: true, expectCode: 2 },
  { args: ['cancelled'], outside: true, expectCode: 2 },
  { args: ['download', 'a', 'dest'], outside: true, expectCode: 2 },
];

describe('jobq task fast path', () => {
  for (const c of CASES) {
    it(`${c.args.join(' ')}${c.outside ? ' (outside a task)' : ''} behaves as through yargs`, async () => {
      const env = c.outside ? { JOBQ_WORKFLOW_ID: undefined, JOBQ_WORKFLOW_TASK: undefined } : taskEnv;
      const fast = await runOnce(c.args, env, '{"s":1}');
      const slow = await runOnce([...c.args, '--log-level', 'warn'], env, '{"s":1}');
      expect(fast.code, fast.stderr).toBe(c.expectCode);
      expect(fast).toEqual(slow);
      if (c.expectCode !== 0) expect(fast.stderr).toMatch(/^jobq: .+\n$/);
    });
  }

  it('leaves help, flags, odd arities and unknown commands to yargs', async () => {
    for (const args of [
      ['--help'],
      ['output', 'set', '--help'],
      ['output', 'set', '-h'],
      ['output', 'set'],
      ['output', 'set', 'a', 'b'],
      ['output', 'set', '--file', '-'],
      ['output', 'set', '--file'],
      ['output', 'set', '--bogus', 'x'],
      ['output', 'get'],
      ['inputs', 'extra'],
      ['stash'],
      ['download', 'a'],
      ['download', 'a', 'b', '--key'],
      ['download', 'a', 'b', '--other', 'k'],
      ['nope'],
      [],
    ]) {
      expect(await runTaskFastPath(args), args.join(' ')).toBe(false);
    }
  });
});
