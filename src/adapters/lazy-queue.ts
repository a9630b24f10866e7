/**
 * A queue client whose backend module is loaded on its first operation. `QueuePool.get` is synchronous,
 * so a pool hands this out for backends whose SDK is heavy (Service Bus: AMQP, rhea, identity): a
 * process that never touches an `sb://` queue never loads them (start-up rule in cli/commands/index.ts).
 */
import { emptyTransactionCounts, type QueueClient, type TransactionCounts } from '../ports/queue.js';

/** What a lazy client knows before its backend is loaded. */
export interface LazyQueueInfo {
  name: string;
  spec: string;
  backend: QueueClient['backend'];
  maxMessageBytes: number;
}

/** A QueueClient delegating to `load()`'s client, loaded once, on the first call that needs it. */
export function lazyQueueClient(info: LazyQueueInfo, load: () => Promise<QueueClient>): QueueClient {
  let loading: Promise<QueueClient> | null = null;
  let loaded: QueueClient | null = null;
  const none: TransactionCounts = Object.freeze(emptyTransactionCounts());
  const real = (): Promise<QueueClient> => (loading ??= load().then((c) => (loaded = c)));
  return {
    name: info.name,
    spec: info.spec,
    backend: info.backend,
    maxMessageBytes: info.maxMessageBytes,
    get transactions() {
      return loaded?.transactions ?? none;
    },
    ensure: async () => (await real()).ensure(),
    send: async (body, opts) => (await real()).send(body, opts),
    receive: async (max, visibilityTimeoutS) => (await real()).receive(max, visibilityTimeoutS),
    delete: async (msg) => (await real()).delete(msg),
    extend: async (msg, visibilityTimeoutS) => (await real()).extend(msg, visibilityTimeoutS),
    release: async (msg) => (await real()).release(msg),
    approximateDepth: async () => (await real()).approximateDepth(),
    oldestMessageAt: async () => (await real()).oldestMessageAt(),
    clear: async () => (await real()).clear(),
    // Closing a client that never loaded has nothing to close (and must not load the SDK to do it).
    close: async () => (loading ? (await loading).close() : undefined),
  };
}
