/**
 * The queue conformance suite against a real Service Bus namespace. Runs only when
 * JOBQ_TEST_SERVICEBUS_CONNECTION_STRING is set (it needs Manage rights to create the test queues).
 */
import { describe } from 'vitest';
import { parseQueuesBackend } from '../../../src/config/accounts.js';
import { openServiceBusNamespace } from '../../../src/adapters/azure/service-bus.js';
import { uniquePrefix } from '../../support/azurite.js';
import { queueConformance } from '../../support/conformance/queue.js';

const connectionString = process.env.JOBQ_TEST_SERVICEBUS_CONNECTION_STRING;
const title = connectionString
  ? 'Service Bus adapter on a real namespace'
  : 'Service Bus adapter on a real namespace (SKIPPED: set JOBQ_TEST_SERVICEBUS_CONNECTION_STRING to run)';

describe.skipIf(!connectionString)(title, () => {
  const backend = parseQueuesBackend(
    connectionString ??
      'Endpoint=sb://skipped.servicebus.windows.net/;SharedAccessKeyName=x;SharedAccessKey=y',
  );
  if (backend.kind !== 'service-bus')
    throw new Error('JOBQ_TEST_SERVICEBUS_CONNECTION_STRING is not a Service Bus connection string');
  // Opened on first use so a skipped run never creates a client.
  let ns: ReturnType<typeof openServiceBusNamespace> | null = null;
  const prefix = uniquePrefix('sb').toLowerCase();
  let n = 0;
  // jobq creates queues with a 60 s lock: a visibility cannot be shorter than that.
  queueConformance(
    async () => {
      const name = `${prefix}-${n++}`;
      ns ??= openServiceBusNamespace(backend);
      return ns.queue(name, `sb://${backend.namespace}/${name}`);
    },
    { minVisibilityS: 60, maxBatch: 50 },
  );
});
