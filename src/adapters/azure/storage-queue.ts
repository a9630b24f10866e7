/**
 * Azure Storage Queue adapter of the QueueClient port (reference §4.9, §4.11): text bodies verbatim,
 * time-to-live "never expire", receive ≤ 32 per call with whole-second visibility, delete by id + pop
 * receipt, `extend`/`release` through updateMessage. Every call is counted in `transactions`.
 */
import {
  QueueServiceClient,
  StorageSharedKeyCredential,
  type QueueClient as SdkQueueClient,
} from '@azure/storage-queue';
import type { AccountSpec } from '../../config/types.js';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../config/defaults.js';
import { ConfigError, MessageLostError, MessageTooLargeError, type JobqError } from '../../errors.js';
import {
  emptyTransactionCounts,
  type QueueClient,
  type ReceivedMessage,
  type SendOptions,
  type TransactionCounts,
} from '../../ports/queue.js';
import {
  STORAGE_QUEUE_MAX_MESSAGE_BYTES,
  STORAGE_QUEUE_MAX_RECEIVE,
  tooLargeMessage,
} from '../queue-limits.js';
import { STORAGE_RETRY } from './retry-options.js';
import { queueEndpoint } from './endpoints.js';
import { aadCredential } from './credential.js';
import { errorCodeOf, guarded, statusOf } from './errors.js';

/** Updating visibility may set 0 s … 7 days (the service maximum). */
const MAX_VISIBILITY_S = 7 * 24 * 3600;

export { queueEndpoint } from './endpoints.js';

/** One QueueServiceClient per account; the pool shares it between that account's queues. */
export function createQueueServiceClient(a: AccountSpec): QueueServiceClient {
  const options = { retryOptions: { ...STORAGE_RETRY }, keepAliveOptions: { enable: true } };
  if (a.kind === 'azurite') {
    return new QueueServiceClient(
      queueEndpoint(a),
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY),
      options,
    );
  }
  if (a.kind === 'connection-string')
    return QueueServiceClient.fromConnectionString(a.connectionString, options);
  return new QueueServiceClient(queueEndpoint(a), aadCredential(), options);
}

/**
 * The pool's Storage Queue factory for JOBQ_HTTP_CLIENT=sdk: one QueueServiceClient per account,
 * shared between that account's queues.
 */
export function sdkStorageQueueFactory(): (account: AccountSpec, name: string, spec: string) => QueueClient {
  const services = new Map<string, QueueServiceClient>();
  return (account, name, spec) => {
    const key =
      queueEndpoint(account) + (account.kind === 'connection-string' ? `|${account.connectionString}` : '');
    let service = services.get(key);
    if (!service) {
      service = createQueueServiceClient(account);
      services.set(key, service);
    }
    return new StorageQueueClient(service, name, spec);
  };
}

/** A message that is gone or held by someone else (deleted, or redelivered with a new pop receipt). */
function isGone(err: unknown): boolean {
  const status = statusOf(err);
  return status === 404 || (status === 400 && errorCodeOf(err) === 'PopReceiptMismatch');
}

export class StorageQueueClient implements QueueClient {
  readonly backend = 'storage-queue' as const;
  readonly maxMessageBytes = STORAGE_QUEUE_MAX_MESSAGE_BYTES;
  readonly transactions: TransactionCounts = emptyTransactionCounts();
  private readonly sdk: SdkQueueClient;
  private readonly endpoint: string;

  constructor(
    service: QueueServiceClient,
    readonly name: string,
    readonly spec: string,
  ) {
    this.sdk = service.getQueueClient(name);
    this.endpoint = `${service.url.replace(/\/+$/, '')}/${name}`;
  }

  private call<T>(
    op: string,
    fn: () => Promise<T>,
    rules?: (err: unknown) => JobqError | undefined,
  ): Promise<T> {
    return guarded(this.endpoint, op, fn, rules);
  }

  async ensure(): Promise<void> {
    this.transactions.other++;
    await this.call(
      'create queue',
      () => this.sdk.createIfNotExists(),
      (err) =>
        statusOf(err) === 400
          ? new ConfigError(
              `Invalid queue name '${this.name}': use 3-63 lowercase letters, digits and single hyphens ` +
                `(starting and ending with a letter or digit).`,
              { cause: err },
            )
          : undefined,
    );
  }

  async send(body: string, opts: SendOptions = {}): Promise<void> {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > this.maxMessageBytes) throw new MessageTooLargeError(tooLargeMessage(this, bytes));
    this.transactions.send++;
    const delay = opts.delayS ? Math.min(Math.ceil(opts.delayS), MAX_VISIBILITY_S) : undefined;
    await this.call('send message', () =>
      this.sdk.sendMessage(body, { messageTimeToLive: -1, visibilityTimeout: delay }),
    );
  }

  async receive(max: number, visibilityTimeoutS: number): Promise<ReceivedMessage[]> {
    this.transactions.receive++;
    const numberOfMessages = Math.max(1, Math.min(STORAGE_QUEUE_MAX_RECEIVE, Math.floor(max)));
    const visibilityTimeout = Math.max(1, Math.min(MAX_VISIBILITY_S, Math.ceil(visibilityTimeoutS)));
    const res = await this.call('receive messages', () =>
      this.sdk.receiveMessages({ numberOfMessages, visibilityTimeout }),
    );
    if (res.receivedMessageItems.length === 0) this.transactions.emptyReceive++;
    return res.receivedMessageItems.map((m) => ({
      id: m.messageId,
      body: m.messageText,
      dequeueCount: m.dequeueCount,
      enqueuedAt: m.insertedOn ? m.insertedOn.getTime() : null,
      handle: m.popReceipt,
    }));
  }

  async delete(msg: ReceivedMessage): Promise<void> {
    this.transactions.delete++;
    try {
      await this.call('delete message', () => this.sdk.deleteMessage(msg.id, String(msg.handle)));
    } catch (err) {
      if (!isGone(err) && !isGone((err as { cause?: unknown }).cause)) throw err;
    }
  }

  async extend(msg: ReceivedMessage, visibilityTimeoutS: number): Promise<ReceivedMessage> {
    this.transactions.extend++;
    const visibility = Math.max(0, Math.min(MAX_VISIBILITY_S, Math.ceil(visibilityTimeoutS)));
    const res = await this.call(
      'extend message visibility',
      () => this.sdk.updateMessage(msg.id, String(msg.handle), undefined, visibility),
      (err) =>
        isGone(err)
          ? new MessageLostError(`message ${msg.id} on ${this.spec} is no longer held`, { cause: err })
          : undefined,
    );
    return { ...msg, handle: res.popReceipt };
  }

  async release(msg: ReceivedMessage): Promise<void> {
    this.transactions.release++;
    try {
      await this.call('release message', () =>
        this.sdk.updateMessage(msg.id, String(msg.handle), undefined, 0),
      );
    } catch (err) {
      if (!isGone(err) && !isGone((err as { cause?: unknown }).cause)) throw err;
    }
  }

  async approximateDepth(): Promise<number> {
    this.transactions.other++;
    const props = await this.call('get queue properties', () => this.sdk.getProperties());
    return props.approximateMessagesCount ?? 0;
  }

  async oldestMessageAt(): Promise<number | null> {
    this.transactions.other++;
    const res = await this.call('peek messages', () => this.sdk.peekMessages({ numberOfMessages: 1 }));
    const first = res.peekedMessageItems[0];
    return first?.insertedOn ? first.insertedOn.getTime() : null;
  }

  async clear(): Promise<void> {
    this.transactions.other++;
    await this.call('clear messages', () => this.sdk.clearMessages());
  }

  async close(): Promise<void> {}
}
