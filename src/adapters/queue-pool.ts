/**
 * The QueuePool: resolves queue specs (reference §4.9: `name`, `account/name`, `sb://ns/name`) against
 * the default queues backend, opens each queue once, and shares one SDK client per storage account or
 * Service Bus namespace.
 */
import { backendKey, parseQueueAddress } from '../config/accounts.js';
import type { AccountSpec, QueuesSpec } from '../config/types.js';
import type { Logger } from '../log.js';
import type { QueueClient, QueuePool, TransactionCounts } from '../ports/queue.js';
import type { ServiceBusNamespace } from './azure/service-bus.js';
import { lazyQueueClient } from './lazy-queue.js';
import { serviceBusMaxMessageBytes } from './queue-limits.js';
import { createRestStorageQueue } from './azure/rest/open.js';
import { sumTransactions } from './memory/queue.js';

/** Opens the client of one Storage Queue (`account`, queue `name`, as addressed by `spec`). */
export type StorageQueueFactory = (account: AccountSpec, name: string, spec: string) => QueueClient;

export interface QueuePoolOptions {
  logger?: Logger;
  /**
   * Storage Queue clients: the lean client by default; `openAzureBackend` passes the SDK's
   * (`azure/storage-queue.ts` `sdkStorageQueueFactory()`) when JOBQ_HTTP_CLIENT=sdk.
   */
  storageQueue?: StorageQueueFactory;
}

/** Create a pool whose bare queue names live on `defaults` (the configured queues backend). */
export function createQueuePool(defaults: QueuesSpec, opts: QueuePoolOptions = {}): QueuePool {
  const storageQueue = opts.storageQueue ?? createRestStorageQueue;
  /** By canonical address (`backendKey|name`): one client per real queue. */
  const queues = new Map<string, QueueClient>();
  /** By the spec string callers use (several spellings may name one queue). */
  const bySpec = new Map<string, QueueClient>();
  /** One namespace per Service Bus backend, opened (and its SDK loaded) on first use. */
  const namespaces = new Map<string, Promise<ServiceBusNamespace>>();

  function open(spec: string): QueueClient {
    const { backend, name } = parseQueueAddress(spec, defaults);
    const key = backendKey(backend);
    if (backend.kind === 'service-bus') {
      // The Service Bus SDK (AMQP, identity) loads on the queue's first operation, not here.
      const namespace = (): Promise<ServiceBusNamespace> => {
        let ns = namespaces.get(key);
        if (!ns) {
          ns = import('./azure/service-bus.js').then((m) =>
            m.openServiceBusNamespace(backend, { logger: opts.logger }),
          );
          namespaces.set(key, ns);
        }
        return ns;
      };
      const info = {
        name,
        spec,
        backend: 'service-bus' as const,
        maxMessageBytes: serviceBusMaxMessageBytes(),
      };
      return lazyQueueClient(info, async () => (await namespace()).queue(name, spec));
    }
    return storageQueue(backend.account, name, spec);
  }

  return {
    get(spec: string): QueueClient {
      const existing = bySpec.get(spec);
      if (existing) return existing;
      const { backend, name } = parseQueueAddress(spec, defaults);
      // Two spellings of one queue (`q` and `account/q`) share one client and one count.
      const canonical = `${backendKey(backend)}|${name}`;
      let client = queues.get(canonical);
      if (!client) {
        client = open(spec);
        queues.set(canonical, client);
      }
      bySpec.set(spec, client);
      return client;
    },
    transactions(): TransactionCounts {
      return sumTransactions([...queues.values()]);
    },
    async close(): Promise<void> {
      await Promise.allSettled([...queues.values()].map((c) => c.close()));
      await Promise.allSettled([...namespaces.values()].map(async (ns) => (await ns).close()));
      queues.clear();
      bySpec.clear();
      namespaces.clear();
    },
  };
}
