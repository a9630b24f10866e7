/**
 * Storage Queue adapter of the QueueClient port over the lean client (the REST calls the SDK adapter
 * `azure/storage-queue.ts` makes, with the same semantics and error translation): text bodies
 * verbatim, TTL "never expire", receive ≤ 32 with whole-second visibility, delete by id + pop
 * receipt, `extend`/`release` through Update Message. Every call is counted in `transactions`.
 */
import { ConfigError, MessageLostError, MessageTooLargeError } from '../../../errors.js';
import {
  emptyTransactionCounts,
  type QueueClient,
  type ReceivedMessage,
  type SendOptions,
  type TransactionCounts,
} from '../../../ports/queue.js';
import {
  STORAGE_QUEUE_MAX_MESSAGE_BYTES,
  STORAGE_QUEUE_MAX_RECEIVE,
  tooLargeMessage,
} from '../../queue-limits.js';
import { errorCodeOf, guarded, statusOf } from '../errors.js';
import type { RestCall, RestEndpoint, RestResult } from './http.js';
import { parseQueueMessages, queueMessageBody } from './xml.js';

/** Updating visibility may set 0 s … 7 days (the service maximum). */
const MAX_VISIBILITY_S = 7 * 24 * 3600;
const XML = { 'content-type': 'application/xml; charset=utf-8' };

/** A message that is gone or held by someone else (deleted, or redelivered with a new pop receipt). */
function isGone(err: unknown): boolean {
  const status = statusOf(err);
  return status === 404 || (status === 400 && errorCodeOf(err) === 'PopReceiptMismatch');
}

function invalidName(name: string, err: unknown): ConfigError {
  return new ConfigError(
    `Invalid queue name '${name}': use 3-63 lowercase letters, digits and single hyphens ` +
      `(starting and ending with a letter or digit).`,
    { cause: err },
  );
}

export class RestStorageQueueClient implements QueueClient {
  readonly backend = 'storage-queue' as const;
  readonly maxMessageBytes = STORAGE_QUEUE_MAX_MESSAGE_BYTES;
  readonly transactions: TransactionCounts = emptyTransactionCounts();
  private readonly url: string;
  private readonly queuePath: string;
  private readonly messagesPath: string;

  constructor(
    private readonly http: RestEndpoint,
    readonly name: string,
    readonly spec: string,
  ) {
    this.url = `${http.url.replace(/\/+$/, '')}/${name}`;
    this.queuePath = `/${encodeURIComponent(name)}`;
    this.messagesPath = `${this.queuePath}/messages`;
  }

  private call(
    op: string,
    req: Omit<RestCall, 'op'>,
    rules?: (err: unknown) => Error | undefined,
  ): Promise<RestResult> {
    return guarded(this.url, op, () => this.http.send({ op, ...req }), rules);
  }

  async ensure(): Promise<void> {
    this.transactions.other++;
    await this.call('create queue', { method: 'PUT', path: this.queuePath }, (err) => {
      if (statusOf(err) === 400) return invalidName(this.name, err);
      return undefined;
    }).catch((err: unknown) => {
      // 409 QueueAlreadyExists: the queue is there with other metadata, which is fine for jobq.
      if (statusOf(err) !== 409) throw err;
    });
  }

  async send(body: string, opts: SendOptions = {}): Promise<void> {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > this.maxMessageBytes) throw new MessageTooLargeError(tooLargeMessage(this, bytes));
    this.transactions.send++;
    const query: [string, string][] = [['messagettl', '-1']];
    if (opts.delayS)
      query.push(['visibilitytimeout', String(Math.min(Math.ceil(opts.delayS), MAX_VISIBILITY_S))]);
    await this.call('send message', {
      method: 'POST',
      path: this.messagesPath,
      query,
      headers: XML,
      body: queueMessageBody(body),
    });
  }

  async receive(max: number, visibilityTimeoutS: number): Promise<ReceivedMessage[]> {
    this.transactions.receive++;
    const n = Math.max(1, Math.min(STORAGE_QUEUE_MAX_RECEIVE, Math.floor(max)));
    const visibility = Math.max(1, Math.min(MAX_VISIBILITY_S, Math.ceil(visibilityTimeoutS)));
    const res = await this.call('receive messages', {
      method: 'GET',
      path: this.messagesPath,
      query: [
        ['numofmessages', String(n)],
        ['visibilitytimeout', String(visibility)],
      ],
    });
    const items = parseQueueMessages(res.body.toString('utf8'));
    if (items.length === 0) this.transactions.emptyReceive++;
    return items.map((m) => ({
      id: m.messageId,
      body: m.messageText,
      dequeueCount: m.dequeueCount,
      enqueuedAt: m.insertionTime ? Date.parse(m.insertionTime) : null,
      handle: m.popReceipt,
    }));
  }

  async delete(msg: ReceivedMessage): Promise<void> {
    this.transactions.delete++;
    try {
      await this.call('delete message', {
        method: 'DELETE',
        path: `${this.messagesPath}/${encodeURIComponent(msg.id)}`,
        query: [['popreceipt', String(msg.handle)]],
      });
    } catch (err) {
      if (!isGone(err) && !isGone((err as { cause?: unknown }).cause)) throw err;
    }
  }

  private update(msg: ReceivedMessage, visibilityS: number, op: string): Promise<RestResult> {
    return this.call(
      op,
      {
        method: 'PUT',
        path: `${this.messagesPath}/${encodeURIComponent(msg.id)}`,
        query: [
          ['popreceipt', String(msg.handle)],
          ['visibilitytimeout', String(visibilityS)],
        ],
      },
      (err) =>
        isGone(err) && op.startsWith('extend')
          ? new MessageLostError(`message ${msg.id} on ${this.spec} is no longer held`, { cause: err })
          : undefined,
    );
  }

  async extend(msg: ReceivedMessage, visibilityTimeoutS: number): Promise<ReceivedMessage> {
    this.transactions.extend++;
    const visibility = Math.max(0, Math.min(MAX_VISIBILITY_S, Math.ceil(visibilityTimeoutS)));
    const res = await this.update(msg, visibility, 'extend message visibility');
    return { ...msg, handle: res.headers['x-ms-popreceipt'] };
  }

  async release(msg: ReceivedMessage): Promise<void> {
    this.transactions.release++;
    try {
      await this.update(msg, 0, 'release message');
    } catch (err) {
      if (!isGone(err) && !isGone((err as { cause?: unknown }).cause)) throw err;
    }
  }

  async approximateDepth(): Promise<number> {
    this.transactions.other++;
    const res = await this.call('get queue properties', {
      method: 'GET',
      path: this.queuePath,
      query: [['comp', 'metadata']],
    });
    const n = Number(res.headers['x-ms-approximate-messages-count'] ?? 0);
    return Number.isFinite(n) ? n : 0;
  }

  async oldestMessageAt(): Promise<number | null> {
    this.transactions.other++;
    const res = await this.call('peek messages', {
      method: 'GET',
      path: this.messagesPath,
      query: [
        ['peekonly', 'true'],
        ['numofmessages', '1'],
      ],
    });
    const first = parseQueueMessages(res.body.toString('utf8'))[0];
    return first?.insertionTime ? Date.parse(first.insertionTime) : null;
  }

  async clear(): Promise<void> {
    this.transactions.other++;
    await this.call('clear messages', { method: 'DELETE', path: this.messagesPath });
  }

  async close(): Promise<void> {}
}
