/**
 * In-process queues for unit tests and `--backend memory`: visibility timeouts, dequeue counts, pop
 * receipts and transaction counts behave like Storage Queues, so one conformance suite covers both.
 */
import { randomUUID } from 'node:crypto';
import { MessageLostError, MessageTooLargeError } from '../../errors.js';
import {
  emptyTransactionCounts,
  type QueueClient,
  type QueuePool,
  type ReceivedMessage,
  type SendOptions,
  type TransactionCounts,
} from '../../ports/queue.js';
import { tooLargeMessage } from '../queue-limits.js';

interface StoredMessage {
  id: string;
  body: string;
  enqueuedAt: number;
  visibleAt: number;
  dequeueCount: number;
  popReceipt: string;
  seq: number;
}

/** One named in-memory queue. */
class MemoryQueueState {
  readonly messages = new Map<string, StoredMessage>();
  seq = 0;
}

/** Holds named in-memory queues shared by every client of one process (one per memory world). */
export class MemoryBroker {
  private readonly queues = new Map<string, MemoryQueueState>();
  /** Clock (epoch ms); tests may replace it to move time without sleeping. */
  now: () => number = () => Date.now();
  /** Largest body accepted, bytes (defaults to the Storage Queue limit so memory runs fail like Azure would). */
  maxMessageBytes = 64 * 1024;

  /** @internal */
  queue(name: string): MemoryQueueState {
    let q = this.queues.get(name);
    if (!q) {
      q = new MemoryQueueState();
      this.queues.set(name, q);
    }
    return q;
  }

  /** Names of the queues that exist. */
  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  /** Open a client on a named queue. */
  client(name: string, spec = name): QueueClient {
    return new MemoryQueueClient(this, name, spec);
  }
}

class MemoryQueueClient implements QueueClient {
  readonly backend = 'memory' as const;
  readonly transactions: TransactionCounts = emptyTransactionCounts();
  readonly maxMessageBytes: number;

  constructor(
    private readonly broker: MemoryBroker,
    readonly name: string,
    readonly spec: string,
  ) {
    this.maxMessageBytes = broker.maxMessageBytes;
  }

  private get q(): MemoryQueueState {
    return this.broker.queue(this.name);
  }

  async ensure(): Promise<void> {
    this.transactions.other++;
    void this.q;
  }

  async send(body: string, opts: SendOptions = {}): Promise<void> {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > this.maxMessageBytes) throw new MessageTooLargeError(tooLargeMessage(this, bytes));
    this.transactions.send++;
    const now = this.broker.now();
    const q = this.q;
    const id = randomUUID();
    const visibleAt = now + Math.max(0, opts.delayS ?? 0) * 1000;
    q.messages.set(id, {
      id,
      body,
      enqueuedAt: now,
      visibleAt,
      dequeueCount: 0,
      popReceipt: '',
      seq: q.seq++,
    });
  }

  async receive(max: number, visibilityTimeoutS: number): Promise<ReceivedMessage[]> {
    this.transactions.receive++;
    const now = this.broker.now();
    const out: ReceivedMessage[] = [];
    const limit = Math.max(1, Math.min(32, Math.floor(max)));
    for (const m of this.q.messages.values()) {
      if (out.length >= limit) break;
      if (m.visibleAt > now) continue;
      m.dequeueCount++;
      m.popReceipt = randomUUID();
      m.visibleAt = now + Math.max(0, Math.round(visibilityTimeoutS)) * 1000;
      out.push(toReceived(m));
    }
    if (out.length === 0) this.transactions.emptyReceive++;
    return out;
  }

  async delete(msg: ReceivedMessage): Promise<void> {
    this.transactions.delete++;
    const m = this.q.messages.get(msg.id);
    // Like Storage Queues: a stale pop receipt (redelivered to someone else) does not delete.
    if (m && m.popReceipt === msg.handle) this.q.messages.delete(msg.id);
  }

  async extend(msg: ReceivedMessage, visibilityTimeoutS: number): Promise<ReceivedMessage> {
    this.transactions.extend++;
    const m = this.liveMessage(msg);
    m.popReceipt = randomUUID();
    m.visibleAt = this.broker.now() + Math.max(0, Math.round(visibilityTimeoutS)) * 1000;
    return toReceived(m);
  }

  async release(msg: ReceivedMessage): Promise<void> {
    this.transactions.release++;
    const m = this.q.messages.get(msg.id);
    if (!m || m.popReceipt !== msg.handle) return;
    m.popReceipt = randomUUID();
    m.visibleAt = this.broker.now();
  }

  private liveMessage(msg: ReceivedMessage): StoredMessage {
    const m = this.q.messages.get(msg.id);
    if (!m || m.popReceipt !== msg.handle) {
      throw new MessageLostError(
        `message ${msg.id} on ${this.spec} is no longer held (deleted or redelivered)`,
      );
    }
    return m;
  }

  async approximateDepth(): Promise<number> {
    this.transactions.other++;
    return this.q.messages.size;
  }

  async oldestMessageAt(): Promise<number | null> {
    this.transactions.other++;
    const now = this.broker.now();
    let oldest: number | null = null;
    for (const m of this.q.messages.values()) {
      if (m.visibleAt <= now && (oldest === null || m.enqueuedAt < oldest)) oldest = m.enqueuedAt;
    }
    return oldest;
  }

  async clear(): Promise<void> {
    this.transactions.other++;
    this.q.messages.clear();
  }

  async close(): Promise<void> {}
}

function toReceived(m: StoredMessage): ReceivedMessage {
  return {
    id: m.id,
    body: m.body,
    dequeueCount: m.dequeueCount,
    enqueuedAt: m.enqueuedAt,
    handle: m.popReceipt,
  };
}

/** A QueuePool over a MemoryBroker: every spec (`name`, `account/name`, `sb://ns/name`) maps to its queue name. */
export function createMemoryQueuePool(broker: MemoryBroker): QueuePool {
  const clients = new Map<string, QueueClient>();
  return {
    get(spec: string): QueueClient {
      let c = clients.get(spec);
      if (!c) {
        c = broker.client(memoryQueueName(spec), spec);
        clients.set(spec, c);
      }
      return c;
    },
    transactions: () => sumTransactions([...clients.values()]),
    async close() {
      clients.clear();
    },
  };
}

function memoryQueueName(spec: string): string {
  const s = spec.trim().replace(/\/+$/, '');
  if (s.startsWith('sb://')) {
    const parts = s.slice(5).split('/');
    return parts.length > 1 ? parts.slice(1).join('/') : parts[0];
  }
  return s.slice(s.lastIndexOf('/') + 1);
}

/** Sum the transaction counts of several clients. */
export function sumTransactions(clients: QueueClient[]): TransactionCounts {
  const total = emptyTransactionCounts();
  for (const c of clients) {
    for (const k of Object.keys(total) as (keyof TransactionCounts)[]) total[k] += c.transactions[k];
  }
  return total;
}
