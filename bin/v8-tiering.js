// Imported by bin/jobq.js before anything else runs: how soon V8 optimizes jobq's code.
//
// V8 optimizes a function with TurboFan once it has run about 132 KB of bytecode (its interrupt
// budget). A coordinator's or a worker's work per message is broad — many functions, each lukewarm —
// so in a drain of a few seconds V8's compiler threads spent ≈ 20 % of the process's CPU optimizing
// code that did not run long enough to pay that back. Eight times the budget still optimizes what is
// hot, a little later (docs/benchmarks.md, "Fifth round: CPU per completion"). A budget given on the
// command line (`node --interrupt-budget=N bin/jobq.js …`) wins.
import { setFlagsFromString } from 'node:v8';

export const JOBQ_INTERRUPT_BUDGET = 1024 * 1024;

if (!process.execArgv.some((a) => a.startsWith('--interrupt-budget'))) {
  setFlagsFromString(`--interrupt-budget=${JOBQ_INTERRUPT_BUDGET}`);
}
