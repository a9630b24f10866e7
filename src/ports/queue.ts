/** Queue port: one interface over Azure Storage Queues, Azure Service Bus and memory (reference §4.8–4.11). */

export interface ReceivedMessage {
  /** Backend message id (Storage Queue messageId, Service Bus messageId). */
  readonly id: string;
  readonly body: string;
  /** How many times this message has been delivered, including this one. */
  readonly dequeueCount: number;
  /** Epoch ms the message was first enqueued, when the backend reports it. */
  readonly enqueuedAt: number | null;
  /** Adapter-private settlement handle (pop receipt, SB lock token / message object). */
  readonly handle: unknown;
}

export interface SendOptions {
  /** Deterministic id (Service Bus duplicate detection; `<wf>/<task>/<attempt>` for task messages). */
  messageId?: string;
  /** Delay before the message becomes visible, seconds. */
  delayS?: number;
}

/** Counts of backend transactions issued, for benchmarks and `doctor`. */
export interface TransactionCounts {
  send: number;
  receive: number;
  /** Receives that returned nothing. */
  emptyReceive: number;
  delete: number;
  extend: number;
  release: number;
  other: number;
}

export interface QueueClient {
  /** Queue name on its backend. */
  readonly name: string;
  /** The spec it was opened with (`name`, `account/name`, `sb://ns/name`). */
  readonly spec: string;
  readonly backend: 'storage-queue' | 'service-bus' | 'memory';
  /** Largest message body this backend accepts, bytes (64 KiB Storage Queue, 256 KiB Service Bus Standard). */
  readonly maxMessageBytes: number;
  ensure(): Promise<void>;
  /** Throws MessageTooLargeError before sending an oversized body. */
  send(body: string, opts?: SendOptions): Promise<void>;
  /** Up to `max` messages, invisible/locked for `visibilityTimeoutS`; [] when empty. Storage Queue caps at 32 per call. */
  receive(max: number, visibilityTimeoutS: number): Promise<ReceivedMessage[]>;
  /** Acknowledge (delete / complete). Deleting an already-gone message is not an error. */
  delete(msg: ReceivedMessage): Promise<void>;
  /** Keep the message invisible/locked for another `visibilityTimeoutS`; returns the message with its new handle. */
  extend(msg: ReceivedMessage, visibilityTimeoutS: number): Promise<ReceivedMessage>;
  /** Return the message to the queue now (abandon). */
  release(msg: ReceivedMessage): Promise<void>;
  approximateDepth(): Promise<number>;
  /** Enqueue time of the oldest visible message (epoch ms), or null if empty/unknown (peek). */
  oldestMessageAt(): Promise<number | null>;
  clear(): Promise<void>;
  readonly transactions: TransactionCounts;
  close(): Promise<void>;
}

/** Opens each queue once per process (reference §4.9 addressing); `get` is synchronous, `ensure` is lazy. */
export interface QueuePool {
  get(spec: string): QueueClient;
  /** Sum of every opened queue's transaction counts. */
  transactions(): TransactionCounts;
  close(): Promise<void>;
}

export function emptyTransactionCounts(): TransactionCounts {
  return { send: 0, receive: 0, emptyReceive: 0, delete: 0, extend: 0, release: 0, other: 0 };
}
