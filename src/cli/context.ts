/**
 * Shared plumbing of the `jobq workflow` commands: global args → resolveConfig → Backend, the one-line
 * banner of reference §7.2 (secrets redacted), and colour/TTY decisions for stdout and stderr.
 */
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import { configBanner, resolveConfig, requireTarget, type ResolvedConfig } from '../config/resolve.js';
import type { Target } from '../config/types.js';
import { UsageError } from '../errors.js';
import type { Backend } from '../ports/backend.js';
import type { WorkflowClient } from '../client/workflow-client.js';
import { validateWorkflowId } from '../model/index.js';
import { TASK_STATES, WORKFLOW_STATES, type TaskState, type WorkflowState } from '../engine/states.js';
import { colorEnabled, makeColors, type Colors } from './render/colors.js';

/** Global options every workflow command accepts (declared in main.ts). */
export interface GlobalArgs {
  target?: string;
  queues?: string;
  blobs?: string;
  config?: string;
  'log-level'?: string;
  color?: boolean;
}

/** Where output goes and how it may look. */
export interface Terminal {
  stdoutTTY: boolean;
  stderrTTY: boolean;
  /** Colours for stdout / stderr (each off unless that stream is a TTY or colour is forced). */
  out: Colors;
  err: Colors;
  outColor: boolean;
  errColor: boolean;
  print(line: string): void;
  note(line: string): void;
}

/** Colour and TTY decisions for this process. */
export function terminal(args: GlobalArgs, env: NodeJS.ProcessEnv = process.env): Terminal {
  const outColor = colorEnabled(process.stdout, args.color, env);
  const errColor = colorEnabled(process.stderr, args.color, env);
  return {
    stdoutTTY: Boolean(process.stdout.isTTY),
    stderrTTY: Boolean(process.stderr.isTTY),
    out: makeColors(outColor),
    err: makeColors(errColor),
    outColor,
    errColor,
    print: (line) => void process.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
    note: (line) => void process.stderr.write(line.endsWith('\n') ? line : `${line}\n`),
  };
}

/** The CLI's logger: warnings and errors only unless `--log-level` asks for more; always stderr. */
export function cliLogger(args: GlobalArgs): Logger {
  return createLogger({ level: args['log-level'] ?? process.env.JOBQ_LOG_LEVEL ?? 'warn' });
}

/** Resolve the configuration from flags, env and config file (embedded default when nothing is set). */
export function resolveCli(args: GlobalArgs, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  return resolveConfig({
    flags: { target: args.target, queues: args.queues, blobs: args.blobs, config: args.config },
    env,
  });
}

/** The target of the resolved configuration (ConfigError when there is none). */
export function resolveTarget(
  args: GlobalArgs,
  env: NodeJS.ProcessEnv = process.env,
): { cfg: ResolvedConfig; target: Target } {
  const cfg = resolveCli(args, env);
  return { cfg, target: requireTarget(cfg) };
}

/**
 * Fail in one line (naming `jobq azurite`) when an Azurite target has nothing listening. The probe is
 * tried three times: a refused connection fails at once, but on a busy machine a 1 s connect timeout
 * alone would report a running Azurite as absent.
 */
export async function assertReachable(target: Target): Promise<void> {
  // Storage adapters load only when a command opens storage (start-up rule in commands/index.ts).
  const { assertAzuriteReachable } = await import('../adapters/azure/open.js');
  for (let attempt = 1; ; attempt++) {
    try {
      return await assertAzuriteReachable(target);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

export interface CliContext {
  target: Target;
  backend: Backend;
  client: WorkflowClient;
  logger: Logger;
  term: Terminal;
  /** `<account>/<prefix>` for messages. */
  label: string;
  close(): Promise<void>;
}

/** How `openContext` opens storage. */
export interface OpenContextOptions {
  action?: string;
  quiet?: boolean;
  /**
   * Runs after the configuration is resolved and the (lazy) backend is built, but before anything is
   * contacted: input checks here fail with their own error even when storage is unreachable (reference
   * §7.4: submit validates every file before opening storage).
   */
  beforeConnect?: (ctx: CliContext) => void | Promise<void>;
}

/** Open the storage a command needs and print the banner (stderr) unless `quiet`. */
export async function openContext(args: GlobalArgs, opts: OpenContextOptions = {}): Promise<CliContext> {
  const term = terminal(args);
  const logger = cliLogger(args);
  const { cfg, target } = resolveTarget(args);
  // Building the backend does no I/O; the reachability probe below is the first contact.
  const [{ openAzureBackend }, { WorkflowClient }] = await Promise.all([
    import('../adapters/azure/open.js'),
    import('../client/workflow-client.js'),
  ]);
  const backend = await openAzureBackend(target, { logger, checkReachable: false });
  const client = new WorkflowClient({ backend, logger, semaphores: cfg.semaphores.limits });
  const ctx: CliContext = {
    target,
    backend,
    client,
    logger,
    term,
    label: `${cfg.display.storage}/${cfg.display.prefix}`,
    close: () => backend.close(),
  };
  try {
    await opts.beforeConnect?.(ctx);
    await assertReachable(target);
  } catch (err) {
    await backend.close().catch(() => undefined);
    throw err;
  }
  if (!opts.quiet) term.note(term.err.dim(configBanner(cfg, opts.action)));
  return ctx;
}

/** Run `fn` with an open context and always close it. */
export async function withContext<T>(
  args: GlobalArgs,
  opts: OpenContextOptions,
  fn: (ctx: CliContext) => Promise<T>,
): Promise<T> {
  const ctx = await openContext(args, opts);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close().catch(() => undefined);
  }
}

/**
 * The text given for `flag` on the command line (`--flag text` or `--flag=text`; the last one wins, as in
 * yargs), or undefined. Needed because yargs turns a non-numeric value of a number option into NaN.
 */
export function rawFlagText(flag: string, argv: readonly string[] = process.argv): string | undefined {
  const end = argv.indexOf('--');
  for (let i = (end < 0 ? argv.length : end) - 1; i >= 0; i--) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}

/** What the user typed for a flag whose parsed value is `value` (for error messages). */
function shownValue(value: unknown, flag: string, argv?: readonly string[]): string {
  if (typeof value === 'number' && Number.isNaN(value)) return rawFlagText(flag, argv) ?? String(value);
  return String(value);
}

/** Parse a positive-integer flag value or throw a one-line usage error echoing the user's input. */
export function positiveInt(
  value: unknown,
  flag: string,
  opts: { allowZero?: boolean; argv?: readonly string[] } = {},
): number {
  const n = typeof value === 'number' ? value : Number(value);
  const min = opts.allowZero ? 0 : 1;
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(
      `${flag} must be a ${opts.allowZero ? 'non-negative' : 'positive'} integer, got '${shownValue(value, flag, opts.argv)}'.`,
    );
  }
  return n;
}

/** Parse a positive number flag (seconds, thresholds); the error echoes the user's input. */
export function positiveNumber(
  value: unknown,
  flag: string,
  opts: { argv?: readonly string[] } = {},
): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag} must be a positive number, got '${shownValue(value, flag, opts.argv)}'.`);
  return n;
}

export { printJson } from './render/json.js';

/** Reject a malformed workflow ID before touching storage (exit 2). */
export function checkWorkflowId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new UsageError('A workflow ID is required.');
  try {
    validateWorkflowId(id);
  } catch (err) {
    throw new UsageError(`Invalid workflow ID '${id}': ${err instanceof Error ? err.message : String(err)}`);
  }
  return id;
}

/** Ask a yes/no question on stderr; without a terminal to answer, the answer is no (and says so). */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stderr.write(`${question} [y/N] no (stdin is not a terminal; pass --yes)\n`);
    return false;
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Case-insensitive workflow state, else a usage error listing the choices. */
export function parseWorkflowState(v: string): WorkflowState {
  const s = v.toLowerCase();
  if ((WORKFLOW_STATES as readonly string[]).includes(s)) return s as WorkflowState;
  throw new UsageError(`--status must be one of ${WORKFLOW_STATES.join(', ')}; got '${v}'.`);
}

/** Case-insensitive task state, else a usage error listing the choices. */
export function parseTaskState(v: string): TaskState {
  const s = v.toLowerCase();
  if ((TASK_STATES as readonly string[]).includes(s)) return s as TaskState;
  throw new UsageError(`--status must be one of ${TASK_STATES.join(', ')}; got '${v}'.`);
}
