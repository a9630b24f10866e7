/**
 * The `jobq task …` fast path (issue 16): these helpers run inside every task, so a 30,000-task workflow
 * pays their start-up 30,000 times. A well-formed call in one of the shapes below runs the command's
 * own handler (commands/task.ts) without loading yargs; anything else — `--help`, a global flag, a
 * missing or extra argument, a value starting with `-`, an unknown command — returns false and goes
 * through the full yargs parser, so help, usage errors and their exit codes stay exactly yargs'.
 *
 *   output set JSON | output set --file PATH | output set --file=PATH | output get PARENT
 *   inputs | upstream | cancelled | stash PATH | download PARENT DEST [--key K | --key=K]
 */

/** A word that yargs would take as a plain positional value (not a flag, not `--`). */
function plain(tok: string | undefined): tok is string {
  return tok !== undefined && !tok.startsWith('-');
}

/** The value of `--NAME V` / `--NAME=V` filling all of `toks`, or undefined if `toks` is not exactly that. */
function flagValue(toks: string[], name: string): string | undefined {
  if (toks.length === 1 && toks[0].startsWith(`--${name}=`)) return toks[0].slice(name.length + 3);
  // `--file -` is left to yargs, which takes the lone `-` as a positional (so it fails there; `--file=-`
  // reads stdin in both).
  if (toks.length === 2 && toks[0] === `--${name}` && plain(toks[1])) return toks[1];
  return undefined;
}

/**
 * Run `jobq task ARGS…` without yargs when ARGS has one of the fast shapes; false when it does not (the
 * caller then runs the full parser). Handler errors propagate to the caller's one-line error report.
 */
export async function runTaskFastPath(args: string[]): Promise<boolean> {
  const [cmd, ...rest] = args;
  // Loaded only for a call that takes the fast path (keeps `jobq --help` from loading the task helpers).
  const task = () => import('./commands/task.js');
  switch (cmd) {
    case 'output': {
      const [sub, ...more] = rest;
      if (sub === 'set') {
        if (more.length === 1 && plain(more[0])) {
          (await task()).outputSetHandler({ json: more[0] });
          return true;
        }
        const file = flagValue(more, 'file');
        if (file === undefined || file === '') return false;
        (await task()).outputSetHandler({ file });
        return true;
      }
      if (sub === 'get' && more.length === 1 && plain(more[0])) {
        await (await task()).outputGetHandler({ parent: more[0] });
        return true;
      }
      return false;
    }
    case 'inputs':
    case 'upstream':
    case 'cancelled': {
      if (rest.length !== 0) return false;
      const t = await task();
      const handler = { inputs: t.inputsHandler, upstream: t.upstreamHandler, cancelled: t.cancelledHandler }[
        cmd
      ];
      await handler();
      return true;
    }
    case 'stash':
      if (rest.length !== 1 || !plain(rest[0])) return false;
      (await task()).stashHandler({ path: rest[0] });
      return true;
    case 'download': {
      const [parent, dest, ...more] = rest;
      if (!plain(parent) || !plain(dest)) return false;
      let key: string | undefined;
      if (more.length) {
        key = flagValue(more, 'key');
        if (key === undefined || key === '-') return false;
      }
      await (await task()).downloadHandler({ parent, dest, key });
      return true;
    }
    default:
      return false;
  }
}
