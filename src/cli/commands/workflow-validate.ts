/** `jobq workflow validate FILES...` (reference §7.4): parse and validate definition files, no storage access. */
import type { Argv, CommandModule } from 'yargs';
import { UsageError, isJobqError } from '../../errors.js';
import { printJson } from '../render/json.js';
import { redactSecrets } from '../../log.js';
import { loadDefinitionFile } from '../../model/load.js';
import { validateDefinition } from '../../model/validate.js';
import { fitFanIn, sequentializeFanIn } from '../../model/fan-in.js';
import { DEFAULT_WORKFLOW_ID_LENGTH, STORAGE_QUEUE_MAX_MESSAGE_BYTES } from '../../model/message-size.js';

export interface ValidateArgs {
  files: string[];
  config?: string;
  json: boolean;
  'max-fan-in'?: number;
}

/** One file's verdict, as printed by `--json`. */
export interface ValidateResult {
  path: string;
  ok: boolean;
  tasks: number | null;
  error: string | null;
  /** Set when the file only fits with merge nodes: the fan-in submit would choose (DECISIONS §4.14). */
  max_fan_in?: number;
}

/**
 * Parse and validate one file as submit would: `--max-fan-in N` rewrites first; without it a fan-in whose
 * messages would not fit is rewritten automatically (reported in `max_fan_in`); `--max-fan-in 0` turns
 * that off, so an oversized message fails with the advice. Never throws for a bad file.
 */
export async function validateFile(
  path: string,
  maxFanIn?: number,
  semaphoreLimits?: () => Promise<Readonly<Record<string, number>>>,
): Promise<ValidateResult> {
  try {
    let def = await loadDefinitionFile(path);
    // Semaphore limits come from jobq.yaml / env, read only when a task names a semaphore.
    const semaphores =
      semaphoreLimits && def.tasks.some((t) => t.semaphore !== undefined)
        ? await semaphoreLimits()
        : undefined;
    if (maxFanIn) def = sequentializeFanIn(def, maxFanIn);
    if (maxFanIn !== undefined) {
      validateDefinition(def, { semaphores });
      return { path, ok: true, tasks: def.tasks.length, error: null };
    }
    validateDefinition(def, { checkMessageSize: false, semaphores });
    const fit = fitFanIn(def, {
      maxMessageBytes: STORAGE_QUEUE_MAX_MESSAGE_BYTES,
      workflowIdLength: DEFAULT_WORKFLOW_ID_LENGTH,
    });
    validateDefinition(fit.def, { semaphores });
    const result: ValidateResult = { path, ok: true, tasks: fit.def.tasks.length, error: null };
    if (fit.maxFanIn !== null) result.max_fan_in = fit.maxFanIn;
    return result;
  } catch (err) {
    if (!isJobqError(err, 'DefinitionError') && !isJobqError(err, 'UsageError')) throw err;
    // Parse errors already start with the file name; FAIL lines name it once.
    const message = err.message.startsWith(`${path}: `) ? err.message.slice(path.length + 2) : err.message;
    return { path, ok: false, tasks: null, error: message };
  }
}

function builder(y: Argv): Argv {
  return y
    .positional('files', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'Definition files (.yaml/.yml or JSON)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print [{path, ok, tasks, error}] as JSON' })
    .option('max-fan-in', {
      type: 'number',
      describe:
        'Rewrite tasks with more than N parents into merge nodes before validating (as submit --max-fan-in N)',
    })
    .example('$0 workflow validate examples/*.yaml', 'Check every example definition');
}

/** Validate `argv.files` and print the verdicts (also run by the fast path in cli/workflow-fast-path.ts). */
export async function validateHandler(argv: ValidateArgs): Promise<void> {
  const maxFanIn = argv['max-fan-in'];
  if (maxFanIn !== undefined && (!Number.isInteger(maxFanIn) || maxFanIn < 0 || maxFanIn === 1)) {
    throw new UsageError(`--max-fan-in must be an integer >= 2 (or 0 for no rewrite), got ${maxFanIn}`);
  }
  let limits: Promise<Readonly<Record<string, number>>> | null = null;
  const semaphoreLimits = () =>
    (limits ??= import('../../config/resolve.js').then(
      ({ resolveConfig }) => resolveConfig({ flags: { config: argv.config } }).semaphores.limits,
    ));
  const results: ValidateResult[] = [];
  for (const path of argv.files.map(String))
    results.push(await validateFile(path, maxFanIn, semaphoreLimits));
  if (argv.json) {
    printJson(results);
  } else {
    for (const r of results) {
      if (r.ok) process.stdout.write(`OK    ${r.path}  (${r.tasks} tasks)\n`);
      else process.stderr.write(`FAIL  ${r.path}: ${redactSecrets(r.error ?? '')}\n`);
      if (r.max_fan_in !== undefined) {
        process.stderr.write(
          `note  ${r.path}: a task message would exceed the queue limit; submit adds merge nodes as with --max-fan-in ${r.max_fan_in} (--max-fan-in 0 refuses instead)\n`,
        );
      }
    }
  }
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

/** `jobq workflow validate FILES... [--json] [--max-fan-in N]` */
export const validateCommand: CommandModule = {
  command: 'validate <files..>',
  describe: 'Check workflow definition files without touching storage (exit 1 if any is invalid)',
  builder,
  // yargs hands over its parsed argv; the builder above guarantees the ValidateArgs shape.
  handler: (argv) => validateHandler(argv as unknown as ValidateArgs),
};
