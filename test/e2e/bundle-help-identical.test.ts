/**
 * The CLI bundle (scripts/bundle-cli.mjs) prints exactly what the unbundled build prints: every
 * command's `--help` and a usage error, byte for byte, with the same exit code. The bundle swaps
 * `string-width` for a printable-ASCII fast path and trims zod (issue 16); the unbundled build
 * (`JOBQ_CLI_BUNDLE=0`, tsc output) runs yargs, cliui and wrap-ansi from node_modules untouched, so
 * it is the reference here.
 */
import { describe, expect, it, vi } from 'vitest';
import { TOP_LEVEL_COMMANDS, WORKFLOW_COMMANDS } from '../../src/cli/commands/index.js';
import { runCli } from '../support/cli.js';

vi.setConfig({ testTimeout: 180_000 });

/** The first word of a registry row's command string. */
const word = (command: string): string => command.split(' ')[0];

const HELP_CASES: string[][] = [
  ['--help'],
  ['-h'],
  ['workflow', '--help'],
  ...WORKFLOW_COMMANDS.map((c) => ['workflow', word(c.command), '--help']),
  ...TOP_LEVEL_COMMANDS.map((c) => [word(c.command), '--help']),
  ['task', 'output', '--help'],
  ['task', 'output', 'set', '--help'],
];

/** Usage errors: yargs prints help and the message on stderr; the non-ASCII one takes string-width's full path. */
const ERROR_CASES: string[][] = [
  [],
  ['workflow', 'validate'],
  ['workflow', 'validate', 'x.yaml', '--bogus-flag'],
  ['workflow', 'validate', 'x.yaml', '--größe=绿色'],
  ['nosuchcommand'],
];

/** English yargs messages in both builds (the unbundled one reads yargs' locale files). */
const env = { LC_ALL: 'en_US.UTF-8', LANG: 'en_US.UTF-8', JOBQ_CLI_BUNDLE: undefined };

async function both(args: string[]) {
  const [bundled, unbundled] = await Promise.all([
    runCli(args, { env }),
    runCli(args, { env: { ...env, JOBQ_CLI_BUNDLE: '0' } }),
  ]);
  return { bundled, unbundled };
}

describe('the CLI bundle prints what the unbundled CLI prints', () => {
  it.each(HELP_CASES.map((a) => [a.join(' '), a]))('jobq %s', async (_name, args) => {
    const { bundled, unbundled } = await both(args as string[]);
    expect(unbundled.code).toBe(0);
    expect(unbundled.stdout).toMatch(/Options:/);
    expect(bundled.stdout).toBe(unbundled.stdout);
    expect(bundled.stderr).toBe(unbundled.stderr);
    expect(bundled.code).toBe(unbundled.code);
  });

  it.each(ERROR_CASES.map((a) => [a.join(' ') || '(no arguments)', a]))(
    'usage error: jobq %s',
    async (_name, args) => {
      const { bundled, unbundled } = await both(args as string[]);
      expect(unbundled.code).toBe(2);
      expect(unbundled.stderr.length).toBeGreaterThan(0);
      expect(bundled.stderr).toBe(unbundled.stderr);
      expect(bundled.stdout).toBe(unbundled.stdout);
      expect(bundled.code).toBe(unbundled.code);
    },
  );
});
