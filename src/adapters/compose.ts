/** Assemble a Backend from its stores; the one place that knows what `ensureResources` must create. */
import type { Backend } from '../ports/backend.js';
import { resourceNames } from './names.js';

export type BackendParts = Pick<
  Backend,
  | 'kind'
  | 'target'
  | 'prefix'
  | 'state'
  | 'index'
  | 'outputs'
  | 'logs'
  | 'lease'
  | 'queues'
  | 'cache'
  | 'locks'
>;

export function composeBackend(parts: BackendParts): Backend {
  const completions = parts.queues.get(resourceNames(parts.prefix).completionQueue);
  return {
    ...parts,
    completions,
    async ensureResources() {
      // The lease and stores need the containers, so create them before anything else runs.
      await Promise.all([
        parts.state.ensureResources(),
        parts.index.ensureResources(),
        parts.outputs.ensureResources(),
        completions.ensure(),
      ]);
    },
    close: () => parts.queues.close(),
  };
}
