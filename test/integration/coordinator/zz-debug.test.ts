import { it } from 'vitest';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { uniquePrefix } from '../../support/azurite.js';
import { TEST_QUEUE, def, openTestBackend, startCoordinator, submit } from './harness.js';
it('debug', async () => {
  const backend = await openTestBackend(uniquePrefix('Dbg'));
  const client = new WorkflowClient({ backend });
  const c = await startCoordinator(backend);
  const d = def('x', [['a', []]]);
  console.error('def queue', d.default_queue, TEST_QUEUE);
  const id = await submit(client, d);
  await new Promise((r) => setTimeout(r, 3000));
  console.error(JSON.stringify(c.stats()));
  const q = backend.queues.get(TEST_QUEUE);
  console.error('depth', await q.approximateDepth(), q.name, q.spec);
  const st = await client.status(id);
  console.error(JSON.stringify(st.tasks?.map((t) => [t.name, t.status, t.queue])));
  await c.stop();
});
