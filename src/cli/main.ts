/**
 * CLI entry: `jobq workflow …`, `jobq worker QUEUE`, `jobq task …`, `jobq azurite`.
 * User errors print one line and exit 2 (or the error's own code); `--log-level debug` adds the stack.
 */
import type { Argv } from 'yargs';
import { isJobqError, isUserError } from '../errors.js';
import { redactSecrets } from '../log.js';
import { runTaskFastPath } from './task-fast-path.js';
import { runValidateFastPath } from './validate-fast-path.js';
import {
  WORKFLOW_SUBCOMMANDS,
  registerWorkflowCommands,
  registerTopLevelCommands,
} from './commands/index.js';

/** Exit code carrier: commands set `ctx.exitCode` or throw. */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'CliExit';
  }
}

/**
 * `jobq workflow [ACCOUNT/PREFIX] <sub>`: yargs cannot mix an optional positional with subcommands, so
 * the positional is lifted into `--target` when the first non-option token after `workflow` is not a
 * subcommand (reference §7.2).
 */
export function liftTargetPositional(argv: string[]): string[] {
  const i = argv.indexOf('workflow');
  if (i < 0) return argv;
  const valueOptions = new Set(['--queues', '--blobs', '--config', '--log-level', '--target']);
  for (let j = i + 1; j < argv.length; j++) {
    const tok = argv[j];
    if (tok === '--') return argv;
    if (tok.startsWith('-')) {
      if (valueOptions.has(tok)) j++;
      continue;
    }
    if (WORKFLOW_SUBCOMMANDS.includes(tok)) return argv;
    return [...argv.slice(0, j), '--target', tok, ...argv.slice(j + 1)];
  }
  return argv;
}

/** yargs, loaded when a command needs the full parser (the `jobq task …` fast path does not). */
type YargsFactory = (typeof import('yargs'))['default'];

export function buildParser(argv: string[], yargs: YargsFactory): Argv {
  let parser: Argv = yargs(liftTargetPositional(argv))
    .scriptName('jobq')
    .usage('jobq <command>\n\nDAG workflows on Azure Storage: coordinator, workers and client CLI.')
    .option('log-level', {
      type: 'string',
      describe: 'Log level for stderr logs (trace|debug|info|warn|error|silent)',
      global: true,
    })
    .option('color', {
      type: 'boolean',
      describe: 'Colour output (--no-color or NO_COLOR=1 to disable)',
      global: true,
    })
    .strict()
    .demandCommand(1, 'Name a command: workflow, worker, task or azurite (see --help).')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw Object.assign(new Error(msg), { name: 'UsageError', exitCode: 2 });
    });
  skipHelpTextCache(parser);
  parser = registerTopLevelCommands(parser);
  parser = parser.command('workflow', 'Submit, watch and operate DAG workflows', (y) =>
    registerWorkflowCommands(
      y
        .option('target', {
          type: 'string',
          describe: 'ACCOUNT/PREFIX (may also be given positionally: jobq workflow ACCOUNT/PREFIX <cmd>)',
          global: true,
        })
        .option('queues', {
          type: 'string',
          describe: 'Queue backend: account, connection string or sb://namespace',
          global: true,
        })
        .option('blobs', { type: 'string', describe: 'File-output location ACCOUNT/CONTAINER', global: true })
        .option('config', { type: 'string', describe: 'Path of a jobq.yaml config file', global: true })
        .demandCommand(1, 'Name a workflow command (see jobq workflow --help).'),
    ),
  );
  return parser;
}

/** The part of yargs' internals `skipHelpTextCache` touches (not in its public typings). */
interface YargsUsageInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * yargs renders a command's whole help text right after it starts the command's handler, so that it
 * could print that help should the handler fail later. jobq's `.fail` prints one line instead, so the
 * text is never shown — but rendering it is synchronous and stood between a long-running command's
 * first `await` and its start-up (≈ 50 ms of a coordinator's start with the bundled yargs, ≈ 280 ms
 * with the unbundled one). `--help` still renders help when asked. Without that internal method (a
 * future yargs), nothing changes.
 */
export function skipHelpTextCache(parser: Argv): boolean {
  const usage = (parser as unknown as YargsUsageInternals).getInternalMethods?.().getUsageInstance?.();
  if (!usage || typeof usage.cacheHelpMessage !== 'function') return false;
  usage.cacheHelpMessage = () => {};
  return true;
}

/** The exit code a command set through `process.exitCode` (0 when it set none). */
function exitCodeSoFar(): number {
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug =
    argv.includes('debug') && argv.some((a) => a === '--log-level' || a.startsWith('--log-level='));
  try {
    // `jobq task …` runs inside every task: well-formed calls skip yargs (task-fast-path.ts).
    if (argv[0] === 'task' && (await runTaskFastPath(argv.slice(1)))) return exitCodeSoFar();
    // `jobq workflow validate FILE…` likewise (validate-fast-path.ts).
    if (argv[0] === 'workflow' && argv[1] === 'validate' && (await runValidateFastPath(argv.slice(2))))
      return exitCodeSoFar();
    const { default: yargs } = await import('yargs');
    const parser = buildParser(argv, yargs);
    await parser.parseAsync();
    return exitCodeSoFar();
  } catch (err) {
    if (err instanceof CliExit) return err.code;
    const message = redactSecrets(err instanceof Error ? err.message : String(err));
    if (isUserError(err) || (err as { name?: string })?.name === 'UsageError') {
      process.stderr.write(`jobq: ${message}\n`);
      if (debug && err instanceof Error && err.stack) process.stderr.write(redactSecrets(err.stack) + '\n');
      return isJobqError(err) ? err.exitCode : 2;
    }
    process.stderr.write(`jobq: ${message}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(redactSecrets(err.stack) + '\n');
    else process.stderr.write('(run with --log-level debug for details)\n');
    return isJobqError(err) ? err.exitCode : 1;
  }
}
