import { WorkflowRuntime } from '../src/engine/index.js';
import { fanOutFanIn, chain } from './scenarios/engine.js';
const gc = (globalThis as any).gc;
for (const [label, mk] of [['fan10k', () => fanOutFanIn(9998)], ['chain', () => chain(10000)], ['fan10k', () => fanOutFanIn(9998)], ['fan30k', () => fanOutFanIn(29998)]] as const) {
  const out: number[] = [];
  for (let r = 0; r < 6; r++) {
    const rt = WorkflowRuntime.fromDefinition(mk(), { workflowId: 'b', now: 0 });
    gc();
    const t = process.hrtime.bigint();
    const pending = [...rt.activate(0).dispatch];
    for (let k = 0; k < pending.length; k++) { const d = pending[k]; const res = rt.applyCompletion({ task: d.task, success: true, outputRef: null, error: null, attemptNo: d.attemptNo }, 1000); for (const x of res.dispatch) pending.push(x); }
    out.push(Math.round(pending.length / (Number(process.hrtime.bigint() - t) / 1e9) / 1000));
  }
  console.log(label, out.join(' '));
}
