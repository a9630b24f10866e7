/**
 * The `jobq workflow validate` fast path (issue 16): CI jobs and editors run it on every change, and
 * yargs is half of its start-up. `workflow validate FILE… [--json]` — file names that are plain
 * words (not empty, not starting with `-`) and at most one `--json` — runs the command's own handler
 * without loading yargs. Anything else (`--help`, `--max-fan-in`, a global flag, no file) returns
 * false and goes through the full parser, so help, usage errors and their exit codes stay yargs'.
 */

/**
 * Run `jobq workflow validate ARGS…` without yargs when ARGS has the fast shape; false when it does
 * not (the caller then runs the full parser).
 */
export async function runValidateFastPath(args: string[]): Promise<boolean> {
  const json = args.filter((a) => a === '--json').length;
  const files = args.filter((a) => a !== '--json');
  if (json > 1 || files.length === 0 || files.some((f) => f === '' || f.startsWith('-'))) return false;
  const { validateHandler } = await import('./commands/workflow-validate.js');
  await validateHandler({ files, json: json === 1 });
  return true;
}
