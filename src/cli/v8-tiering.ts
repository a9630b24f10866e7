/**
 * How soon V8 compiles a long-running command's code to machine code (bin/v8-tiering.js sets the
 * rest for every `jobq` process).
 *
 * V8 first runs a function in its interpreter and compiles it with its baseline compiler, Sparkplug,
 * only after the function has spent its interrupt budget — which bin/v8-tiering.js raised eight-fold
 * so that TurboFan stops optimizing lukewarm code. A coordinator's work per completion is broad: a
 * perf profile of the reference shape's drain showed a quarter of its main thread under the
 * interpreter's entry trampoline, with every function of the per-request path still interpreted after
 * 1,000 completions. Sparkplug compiles as fast as the interpreter parses (no optimization, no
 * background thread), so a long-running command compiles every function it first calls from now on
 * with it at once (`--always-sparkplug`); TurboFan's budget is unchanged. Short commands do not: there
 * it only costs start-up time (`jobq workflow validate` 23 % slower with it).
 */
import { setFlagsFromString } from 'node:v8';

/** Whether the node command line already says how to use Sparkplug (it then wins). */
function chosenOnCommandLine(execArgv: readonly string[]): boolean {
  return execArgv.some((a) => /^--(no-)?(always-)?sparkplug\b/.test(a));
}

/**
 * From now on, compile each function with Sparkplug when it is first compiled (coordinator, worker,
 * run-local). Functions compiled before keep their tier. Returns whether the flag was set.
 */
export function compileLongRunningCodeEagerly(execArgv: readonly string[] = process.execArgv): boolean {
  if (chosenOnCommandLine(execArgv)) return false;
  setFlagsFromString('--always-sparkplug');
  return true;
}
