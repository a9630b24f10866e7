/** DECISIONS §4.2: with `maxRunningWorkflows` 1, workflows run one at a time in FIFO order of created_at. */
import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { uniquePrefix, waitFor } from '../../support/azurite.js';
import { FakeWorkers, def, openTestBackend, startCoordinator, submit, waitForState } from './harness.js';

describe('admission', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('with a cap of 1, three workflows run one at a time in submission order', async () => {
    const backend = await openTestBackend(uniquePrefix('Fifo'));
    cleanup.push(() => backend.close());
    const client = new WorkflowClient({ backend });
    const ids: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      ids.push(
        await submit(
          client,
          def(name, [
            ['x', []],
            ['y', ['x']],
          ]),
        ),
      );
      await new Promise((r) => setTimeout(r, 5)); // distinct created_at milliseconds
    }
    const workers = new FakeWorkers(backend).start();
    cleanup.push(() => workers.stop());
    const c = await startCoordinator(backend, { maxRunningWorkflows: 1 });
    cleanup.push(() => c.stop());
    for (const id of ids) await waitForState(client, id, ['completed']);
    // Tasks of one workflow are never interleaved with another's: one running workflow at a time.
    const order = workers.seen.map((s) => s.workflowId);
    expect(order).toEqual([ids[0], ids[0], ids[1], ids[1], ids[2], ids[2]]);
    expect(c.stats().admissions).toBe(3);
    // The state blob says `completed` a moment before the coordinator's own bookkeeping has run.
    await waitFor(() => c.stats().running_workflows === 0, { what: 'no workflow counted as running' });
  });
});
