/**
 * `jobq task …`: the task-side helpers for shell tasks (DECISIONS §5, reference §6.6). They read the
 * environment the worker set; outside a task they fail with one clear line.
 */
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { UsageError, fileReadFailure } from '../../errors.js';
import { BlobStash } from '../../wire/stash.js';
import { TaskContext, outputFilePath } from '../../task/context.js';
import {
  setOutput,
  stashFile,
  getUpstreamOutput,
  getUpstreamOutputs,
  getRealUpstreamTasks,
  downloadStash,
} from '../../task/helpers.js';

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function parseJsonArg(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Read `--file PATH` (`-` = stdin); an unreadable file is a one-line usage error naming it. */
function readOutputFile(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new UsageError(`--file ${path === '-' ? '- (stdin)' : path}: ${fileReadFailure(err)}`);
  }
}

export interface SetArgs {
  json?: string;
  file?: string;
}

/** `jobq task output set [JSON] [--file PATH]` (also run by the fast path, cli/task-fast-path.ts). */
export function outputSetHandler(argv: SetArgs): void {
  outputFilePath(); // outside a task: fail before reading stdin
  if ((argv.json === undefined) === (argv.file === undefined)) {
    throw new UsageError('give the output either as a JSON argument or with --file PATH (not both).');
  }
  const text = argv.file !== undefined ? readOutputFile(argv.file) : argv.json!;
  setOutput(parseJsonArg(text, argv.file !== undefined ? `--file ${argv.file}` : 'the output argument'));
}

/** `jobq task output get PARENT`. */
export async function outputGetHandler(argv: { parent: string }): Promise<void> {
  printJson(await getUpstreamOutput(argv.parent));
}

/** `jobq task inputs`. */
export async function inputsHandler(): Promise<void> {
  printJson(await getUpstreamOutputs());
}

/** `jobq task upstream`. */
export async function upstreamHandler(): Promise<void> {
  printJson(await getRealUpstreamTasks());
}

/** `jobq task cancelled`: exit 0 when cancelled, 1 otherwise. */
export async function cancelledHandler(): Promise<void> {
  const ctx = new TaskContext();
  try {
    process.exitCode = (await ctx.isCancelled()) ? 0 : 1;
  } finally {
    await ctx.close();
  }
}

/** `jobq task stash PATH`. */
export function stashHandler(argv: { path: string }): void {
  outputFilePath();
  printJson(stashFile(argv.path));
}

const outputSet: CommandModule<object, SetArgs> = {
  command: 'set [json]',
  describe: 'Set this task\'s output: a JSON value, or --file PATH ("-" for stdin)',
  builder: (y) =>
    y
      .positional('json', { type: 'string', describe: 'The output as JSON text' })
      .option('file', { type: 'string', describe: 'Read the output JSON from this file ("-" = stdin)' })
      .example('$0 task output set \'{"rows": 42}\'', '') as Argv<SetArgs>,
  handler: outputSetHandler,
};

const outputGet: CommandModule<object, { parent: string }> = {
  command: 'get <parent>',
  describe: 'Print the output of an upstream task as JSON (null when it has none)',
  builder: (y) => y.positional('parent', { type: 'string', demandOption: true }) as Argv<{ parent: string }>,
  handler: outputGetHandler,
};

const outputCommand: CommandModule = {
  command: 'output',
  describe: "Set this task's output or read an upstream task's output",
  builder: (y) =>
    y.command(outputSet).command(outputGet).demandCommand(1, 'Name an output command: set or get.'),
  handler: () => undefined,
};

const inputsCommand: CommandModule = {
  command: 'inputs',
  describe: 'Print every upstream output as one JSON object {task: output} (tasks without output omitted)',
  handler: inputsHandler,
};

const upstreamCommand: CommandModule = {
  command: 'upstream',
  describe: 'Print the real upstream task names as a JSON array (through fan-in merge nodes)',
  handler: upstreamHandler,
};

const cancelledCommand: CommandModule = {
  command: 'cancelled',
  describe: "Exit 0 if this task's workflow was cancelled, 1 otherwise (for polling in long scripts)",
  handler: cancelledHandler,
};

const stashCommand: CommandModule<object, { path: string }> = {
  command: 'stash <path>',
  describe: 'Print a file-stash marker for PATH to embed in `task output set`; the worker uploads the file',
  builder: (y) =>
    y
      .positional('path', { type: 'string', demandOption: true })
      .example('$0 task output set "{\\"model\\": $($0 task stash model.bin)}"', '') as Argv<{
      path: string;
    }>,
  handler: stashHandler,
};

export interface DownloadArgs {
  parent: string;
  dest: string;
  key?: string;
}

/** Walk a dotted path (`a.b.0`) into a decoded output. */
function atKey(value: unknown, key: string | undefined): unknown {
  if (!key) return value;
  let node = value;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** `jobq task download PARENT DEST [--key a.b]`. */
export async function downloadHandler(argv: DownloadArgs): Promise<void> {
  const stash = atKey(await getUpstreamOutput(argv.parent), argv.key);
  if (!(stash instanceof BlobStash)) {
    throw new UsageError(
      `the output of '${argv.parent}'${argv.key ? ` at '${argv.key}'` : ''} is not a stashed file.`,
    );
  }
  await downloadStash(stash, argv.dest);
}

const downloadCommand: CommandModule<object, DownloadArgs> = {
  command: 'download <parent> <dest>',
  describe: 'Download a file an upstream task stashed (its output, or the stash at --key a.b) to DEST',
  builder: (y) =>
    y
      .positional('parent', { type: 'string', demandOption: true })
      .positional('dest', { type: 'string', demandOption: true })
      .option('key', {
        type: 'string',
        describe: 'Dotted path of the stash inside the output (e.g. files.0)',
      }) as Argv<DownloadArgs>,
  handler: downloadHandler,
};

/** `jobq task output set|get`, `jobq task inputs|upstream|cancelled|stash|download`. */
export const taskCommand: CommandModule = {
  command: 'task',
  describe: 'Helpers for commands running inside a workflow task (outputs, inputs, cancellation)',
  builder: (y) =>
    y
      .command(outputCommand)
      .command(inputsCommand)
      .command(upstreamCommand)
      .command(cancelledCommand)
      .command(stashCommand)
      .command(downloadCommand)
      .demandCommand(1, 'Name a task command (see jobq task --help).'),
  handler: () => undefined,
};
