/**
 * Azure Service Bus adapter of the QueueClient port (DECISIONS §4.8: task queues and the completion
 * queue may live on Service Bus).
 *
 * Differences from Storage Queues, hidden behind the port:
 * - Visibility is a peek-lock whose duration is fixed per queue (≤ 5 min). A receive or `extend` asking
 *   for a longer visibility is honoured by renewing the lock in the background until that deadline
 *   (or until the message is settled), so a crash still frees the message within one lock duration.
 * - Duplicate detection: every message gets a deterministic `messageId` (task: `<wf>/<task>/<attempt>`;
 *   completion/control: the envelope's md5 id); ids over Service Bus's 128-character limit are hashed.
 * - Dead letters: Service Bus moves a message to `<queue>/$DeadLetterQueue` after the queue's
 *   maxDeliveryCount (jobq creates queues with 100); `deadLetter()` moves one explicitly and
 *   `deadLetterCount()` reports them for `doctor`.
 * Bodies travel as raw UTF-8 bytes (AMQP data section), exactly what the reference's REST client sends.
 */
import { randomUUID } from 'node:crypto';
import {
  ServiceBusAdministrationClient,
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
  type ServiceBusSender,
} from '@azure/service-bus';
import { DefaultAzureCredential } from '@azure/identity';
import Long from 'long';
import {
  ConfigError,
  MessageLostError,
  MessageTooLargeError,
  StorageUnreachableError,
  TransientStorageError,
  isJobqError,
} from '../../errors.js';
import type { Logger } from '../../log.js';
import {
  emptyTransactionCounts,
  type QueueClient,
  type ReceivedMessage,
  type SendOptions,
  type TransactionCounts,
} from '../../ports/queue.js';
import { envelopeIdOf, md5Hex } from '../../wire/envelope.js';
import {
  SERVICE_BUS_MAX_MESSAGE_BYTES,
  serviceBusMaxMessageBytes,
  tooLargeMessage,
} from '../queue-limits.js';

/** Service Bus rejects message ids longer than this. */
export const SERVICE_BUS_MAX_MESSAGE_ID = 128;
/** Short wait so an empty receive returns quickly (the caller's IdleBackoff spaces the polls). */
export const SERVICE_BUS_RECEIVE_WAIT_MS = 1_000;
/** Renew this long before the lock expires. */
const RENEW_MARGIN_MS = 10_000;

/** The parts of the SDK this adapter uses, so tests can pass fakes implementing the SDK interfaces. */
export interface ServiceBusQueueParts {
  namespace: string;
  name: string;
  spec: string;
  sender: Pick<ServiceBusSender, 'sendMessages' | 'close'>;
  receiver: Pick<
    ServiceBusReceiver,
    | 'receiveMessages'
    | 'completeMessage'
    | 'abandonMessage'
    | 'renewMessageLock'
    | 'deadLetterMessage'
    | 'peekMessages'
    | 'close'
  >;
  /** Receiver in receiveAndDelete mode, for `clear()`. */
  drainer?: Pick<ServiceBusReceiver, 'receiveMessages' | 'close'>;
  admin?: Pick<
    ServiceBusAdministrationClient,
    'queueExists' | 'createQueue' | 'getQueueRuntimeProperties'
  > | null;
  maxMessageBytes?: number;
  logger?: Logger;
  /** Clock, for tests. */
  now?: () => number;
}

/** Message id for Service Bus duplicate detection: the given id, else the envelope id, else random. */
export function serviceBusMessageId(body: string, given?: string): string {
  const id = given ?? envelopeIdOf(body) ?? randomUUID();
  return id.length > SERVICE_BUS_MAX_MESSAGE_ID ? md5Hex(id) : id;
}

/** Text of a received body: raw bytes (data section) as UTF-8; strings as-is; anything else as JSON. */
export function serviceBusBodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return JSON.stringify(body ?? null);
}

interface Held {
  msg: ServiceBusReceivedMessage;
  deadline: number;
  timer: NodeJS.Timeout | null;
}

/** Translate a Service Bus SDK error into the jobq taxonomy (connection, throttling, missing queue, size). */
export function translateServiceBusError(err: unknown, where: string, op: string): unknown {
  if (isJobqError(err)) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: string;
    message?: string;
    name?: string;
  };
  const text = `${e.code ?? ''} ${e.message ?? ''}`;
  if (/ENOTFOUND|ECONNREFUSED|EAI_AGAIN|getaddrinfo/i.test(text)) {
    return new StorageUnreachableError(
      `Cannot reach Service Bus namespace ${where}: check the namespace name and network.`,
      { cause: err },
    );
  }
  switch (e.code) {
    case 'MessagingEntityNotFound':
      return new ConfigError(
        `Service Bus queue ${where} does not exist; create it or grant Manage rights so jobq can.`,
        { cause: err },
      );
    case 'UnauthorizedAccess':
      return new ConfigError(
        `Not authorised for Service Bus ${where} (${op}): check the connection string or role assignment.`,
        { cause: err },
      );
    case 'MessageSizeExceeded':
      return new MessageTooLargeError(
        `Message too large for Service Bus ${where}: submit with a smaller --max-fan-in.`,
        { cause: err },
      );
    case 'MessageLockLost':
    case 'SessionLockLost':
      return new MessageLostError(
        `${op} on ${where}: the message lock was lost; another consumer may process it.`,
        { cause: err },
      );
    case 'ServiceBusy':
    case 'ServiceTimeout':
    case 'ServiceCommunicationProblem':
    case 'QuotaExceeded':
    case 'GeneralError':
      return new TransientStorageError(
        `${op} failed transiently at Service Bus ${where}: ${(e.message ?? '').split('\n')[0]}`,
        { cause: err },
      );
    default:
      return err;
  }
}

export class ServiceBusQueueClient implements QueueClient {
  readonly backend = 'service-bus' as const;
  readonly maxMessageBytes: number;
  readonly transactions: TransactionCounts = emptyTransactionCounts();
  readonly name: string;
  readonly spec: string;
  private readonly held = new Map<string, Held>();
  private readonly now: () => number;
  private readonly where: string;

  constructor(private readonly parts: ServiceBusQueueParts) {
    this.name = parts.name;
    this.spec = parts.spec;
    this.maxMessageBytes = parts.maxMessageBytes ?? SERVICE_BUS_MAX_MESSAGE_BYTES;
    this.now = parts.now ?? Date.now;
    this.where = `sb://${parts.namespace}/${parts.name}`;
  }

  private async call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw translateServiceBusError(err, this.where, op);
    }
  }

  async ensure(): Promise<void> {
    const admin = this.parts.admin;
    if (!admin) return;
    this.transactions.other++;
    try {
      if (await admin.queueExists(this.name)) return;
      this.transactions.other++;
      await admin.createQueue(this.name, {
        lockDuration: 'PT1M',
        maxDeliveryCount: 100,
        requiresDuplicateDetection: true,
        duplicateDetectionHistoryTimeWindow: 'PT10M',
        defaultMessageTimeToLive: 'P10675199DT2H48M5.4775807S',
      });
    } catch (err) {
      const e = err as { code?: string; statusCode?: number };
      if (e.code === 'MessageEntityAlreadyExistsError' || e.statusCode === 409) return;
      if (e.code === 'UnauthorizedAccess' || e.statusCode === 401 || e.statusCode === 403) {
        // Send/Listen-only credentials cannot manage entities: assume the queue was created by an admin.
        this.parts.logger?.warn(
          { queue: this.where },
          'no Manage rights on Service Bus; assuming the queue exists',
        );
        return;
      }
      throw translateServiceBusError(err, this.where, 'create queue');
    }
  }

  async send(body: string, opts: SendOptions = {}): Promise<void> {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > this.maxMessageBytes) throw new MessageTooLargeError(tooLargeMessage(this, bytes));
    this.transactions.send++;
    const message = {
      body: Buffer.from(body, 'utf8'),
      messageId: serviceBusMessageId(body, opts.messageId),
      contentType: 'application/json',
      ...(opts.delayS ? { scheduledEnqueueTimeUtc: new Date(this.now() + opts.delayS * 1000) } : {}),
    };
    await this.call('send message', () => this.parts.sender.sendMessages(message));
  }

  async receive(max: number, visibilityTimeoutS: number): Promise<ReceivedMessage[]> {
    this.transactions.receive++;
    const count = Math.max(1, Math.floor(max));
    const msgs = await this.call('receive messages', () =>
      this.parts.receiver.receiveMessages(count, { maxWaitTimeInMs: SERVICE_BUS_RECEIVE_WAIT_MS }),
    );
    if (msgs.length === 0) this.transactions.emptyReceive++;
    const deadline = this.now() + Math.max(1, visibilityTimeoutS) * 1000;
    return msgs.map((m) => {
      const token = m.lockToken ?? randomUUID();
      this.hold(token, m, deadline);
      return {
        id: m.messageId === undefined ? token : String(m.messageId),
        body: serviceBusBodyText(m.body),
        dequeueCount: (m.deliveryCount ?? 0) + 1,
        enqueuedAt: m.enqueuedTimeUtc ? m.enqueuedTimeUtc.getTime() : null,
        handle: token,
      };
    });
  }

  private hold(token: string, msg: ServiceBusReceivedMessage, deadline: number): void {
    const prev = this.held.get(token);
    if (prev?.timer) clearTimeout(prev.timer);
    const h: Held = { msg, deadline, timer: null };
    this.held.set(token, h);
    this.scheduleRenewal(token, h);
  }

  /** Renew shortly before the lock expires while the requested visibility deadline lies beyond it. */
  private scheduleRenewal(token: string, h: Held): void {
    const lockedUntil = h.msg.lockedUntilUtc?.getTime();
    if (lockedUntil === undefined || lockedUntil >= h.deadline) return;
    const delay = Math.max(0, lockedUntil - RENEW_MARGIN_MS - this.now());
    h.timer = setTimeout(() => void this.renewHeld(token), delay);
    h.timer.unref();
  }

  private async renewHeld(token: string): Promise<void> {
    const h = this.held.get(token);
    if (!h) return;
    h.timer = null;
    try {
      this.transactions.extend++;
      const until = await this.parts.receiver.renewMessageLock(h.msg);
      h.msg.lockedUntilUtc = until;
      if (this.held.get(token) === h) this.scheduleRenewal(token, h);
    } catch (err) {
      // Keep the message held: a later delete still tries to complete it (harmless if the lock is gone).
      this.parts.logger?.warn(
        { queue: this.where, err: String(err) },
        'Service Bus lock renewal failed; the message may be redelivered',
      );
    }
  }

  private release_(token: string): Held | undefined {
    const h = this.held.get(token);
    if (h?.timer) clearTimeout(h.timer);
    this.held.delete(token);
    return h;
  }

  private heldOrLost(msg: ReceivedMessage, op: string): Held {
    const h = this.held.get(String(msg.handle));
    if (!h)
      throw new MessageLostError(`${op} on ${this.where}: message ${msg.id} is not held by this client`);
    return h;
  }

  async delete(msg: ReceivedMessage): Promise<void> {
    this.transactions.delete++;
    const h = this.release_(String(msg.handle));
    if (!h) return;
    await this.settle('complete message', () => this.parts.receiver.completeMessage(h.msg));
  }

  async release(msg: ReceivedMessage): Promise<void> {
    this.transactions.release++;
    const h = this.release_(String(msg.handle));
    if (!h) return;
    await this.settle('abandon message', () => this.parts.receiver.abandonMessage(h.msg));
  }

  /** Move a held message to the dead-letter sub-queue with a reason (poison that must be kept). */
  async deadLetter(msg: ReceivedMessage, reason: string, description = ''): Promise<void> {
    this.transactions.other++;
    const h = this.release_(String(msg.handle));
    if (!h) return;
    await this.settle('dead-letter message', () =>
      this.parts.receiver.deadLetterMessage(h.msg, {
        deadLetterReason: reason.slice(0, 1024),
        deadLetterErrorDescription: description.slice(0, 1024),
      }),
    );
  }

  /** Settling a message whose lock is already gone is harmless: Service Bus redelivers it anyway. */
  private async settle(op: string, fn: () => Promise<void>): Promise<void> {
    try {
      await this.call(op, fn);
    } catch (err) {
      if (isJobqError(err, 'MessageLostError')) return;
      throw err;
    }
  }

  async extend(msg: ReceivedMessage, visibilityTimeoutS: number): Promise<ReceivedMessage> {
    this.transactions.extend++;
    const h = this.heldOrLost(msg, 'extend');
    if (h.timer) clearTimeout(h.timer);
    const until = await this.call('renew message lock', () => this.parts.receiver.renewMessageLock(h.msg));
    h.msg.lockedUntilUtc = until;
    h.deadline = this.now() + Math.max(1, visibilityTimeoutS) * 1000;
    this.scheduleRenewal(String(msg.handle), h);
    return msg;
  }

  async approximateDepth(): Promise<number> {
    this.transactions.other++;
    if (this.parts.admin) {
      const props = await this.call('get queue properties', () =>
        this.parts.admin!.getQueueRuntimeProperties(this.name),
      );
      return props.activeMessageCount;
    }
    const peeked = await this.call('peek messages', () =>
      this.parts.receiver.peekMessages(250, { fromSequenceNumber: Long.ZERO }),
    );
    return peeked.length;
  }

  /** Messages in the dead-letter sub-queue (null without Manage rights). */
  async deadLetterCount(): Promise<number | null> {
    if (!this.parts.admin) return null;
    this.transactions.other++;
    const props = await this.call('get queue properties', () =>
      this.parts.admin!.getQueueRuntimeProperties(this.name),
    );
    return props.deadLetterMessageCount;
  }

  async oldestMessageAt(): Promise<number | null> {
    this.transactions.other++;
    const [first] = await this.call('peek messages', () =>
      this.parts.receiver.peekMessages(1, { fromSequenceNumber: Long.ZERO }),
    );
    return first?.enqueuedTimeUtc ? first.enqueuedTimeUtc.getTime() : null;
  }

  async clear(): Promise<void> {
    const drainer = this.parts.drainer;
    if (!drainer) throw new ConfigError(`clear() needs a receive-and-delete receiver for ${this.where}`);
    for (;;) {
      this.transactions.other++;
      const got = await this.call('drain queue', () =>
        drainer.receiveMessages(256, { maxWaitTimeInMs: 500 }),
      );
      if (got.length === 0) return;
    }
  }

  async close(): Promise<void> {
    for (const token of [...this.held.keys()]) this.release_(token);
    await Promise.allSettled([
      this.parts.sender.close(),
      this.parts.receiver.close(),
      this.parts.drainer?.close(),
    ]);
  }
}

/** One Service Bus namespace: a shared ServiceBusClient (and admin client) for all its queues. */
export interface ServiceBusNamespace {
  queue(name: string, spec: string): ServiceBusQueueClient;
  close(): Promise<void>;
}

/**
 * Connect to a namespace with its SAS connection string, or with Entra ID (DefaultAzureCredential) on
 * `<namespace>.servicebus.windows.net`. Connections open lazily on first use.
 */
export function openServiceBusNamespace(
  backend: { namespace: string; connectionString: string | null },
  opts: { logger?: Logger; maxMessageBytes?: number } = {},
): ServiceBusNamespace {
  const fqns = `${backend.namespace}.servicebus.windows.net`;
  const client = backend.connectionString
    ? new ServiceBusClient(backend.connectionString)
    : new ServiceBusClient(fqns, new DefaultAzureCredential());
  const admin = backend.connectionString
    ? new ServiceBusAdministrationClient(backend.connectionString)
    : new ServiceBusAdministrationClient(fqns, new DefaultAzureCredential());
  const maxMessageBytes = opts.maxMessageBytes ?? serviceBusMaxMessageBytes();
  return {
    queue(name, spec) {
      return new ServiceBusQueueClient({
        namespace: backend.namespace,
        name,
        spec,
        sender: client.createSender(name),
        // Auto-renewal off: this adapter renews to honour the caller's visibility timeout, no longer.
        receiver: client.createReceiver(name, {
          receiveMode: 'peekLock',
          skipParsingBodyAsJson: true,
          maxAutoLockRenewalDurationInMs: 0,
        }),
        drainer: client.createReceiver(name, {
          receiveMode: 'receiveAndDelete',
          skipParsingBodyAsJson: true,
        }),
        admin,
        maxMessageBytes,
        logger: opts.logger,
      });
    },
    close: () => client.close(),
  };
}
