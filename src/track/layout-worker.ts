/**
 * The dashboard's layout thread (started by `layout-runner.ts`): answers each `{id, input}` with
 * `{id, layout}` or `{id, error}`, one at a time, so dagre never runs on the server's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { computeLayout, type LayoutInput } from './layout.js';

parentPort?.on('message', (m: { id: number; input: LayoutInput }) => {
  try {
    parentPort!.postMessage({ id: m.id, layout: computeLayout(m.input) });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
