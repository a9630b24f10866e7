/**
 * Service Bus specifics against fakes implementing the SDK's ServiceBusSender/ServiceBusReceiver shape:
 * duplicate-detection ids, raw-byte bodies, settlement, lock renewal, dead-lettering, error translation.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import {
  ServiceBusQueueClient,
  serviceBusMessageId,
  translateServiceBusError,
  type ServiceBusQueueParts,
} from '../../../src/adapters/azure/service-bus.js';
import { isJobqError } from '../../../src/errors.js';
import { encodeCompletionMessage } from '../../../src/wire/completion-message.js';
import { encodeTaskMessage } from '../../../src/wire/task-message.js';

const LOCK_MS = 60_000;

/** A tiny in-memory Service Bus queue behind the SDK's sender/receiver method names. */
class FakeServiceBus {
  sent: ServiceBusMessage[] = [];
  completed: string[] = [];
  abandoned: string[] = [];
  deadLettered: { token: string; reason?: string }[] = [];
  renewals: string[] = [];
  lockLost = new Set<string>();
  private seq = 0;
  constructor(private readonly now: () => number) {}

  sender: ServiceBusQueueParts['sender'] = {
    sendMessages: async (m) => {
      this.sent.push(...(Array.isArray(m) ? m : [m as ServiceBusMessage]));
    },
    close: async () => {},
  };

  private received(m: ServiceBusMessage, deliveryCount: number): ServiceBusReceivedMessage {
    return {
      body: m.body,
      messageId: m.messageId,
      lockToken: `lock-${this.seq++}`,
      deliveryCount,
      enqueuedTimeUtc: new Date(1_700_000_000_000),
      lockedUntilUtc: new Date(this.now() + LOCK_MS),
    } as ServiceBusReceivedMessage;
  }

  receiver: ServiceBusQueueParts['receiver'] = {
    receiveMessages: async (max) => this.sent.splice(0, max).map((m) => this.received(m, 0)),
    completeMessage: async (m) => {
      if (this.lockLost.has(m.lockToken!))
        throw Object.assign(new Error('lock lost'), { code: 'MessageLockLost' });
      this.completed.push(m.lockToken!);
    },
    abandonMessage: async (m) => {
      this.abandoned.push(m.lockToken!);
    },
    deadLetterMessage: async (m, opts) => {
      this.deadLettered.push({
        token: m.lockToken!,
        reason: (opts as { deadLetterReason?: string })?.deadLetterReason,
      });
    },
    renewMessageLock: async (m) => {
      if (this.lockLost.has(m.lockToken!))
        throw Object.assign(new Error('lock lost'), { code: 'MessageLockLost' });
      this.renewals.push(m.lockToken!);
      return new Date(this.now() + LOCK_MS);
    },
    peekMessages: async (n) => this.sent.slice(0, n).map((m) => this.received(m, 0)),
    close: async () => {},
  };
}

describe('Service Bus adapter (fakes of the SDK interfaces)', () => {
  let now = 1_000_000;
  let bus: FakeServiceBus;
  let q: ServiceBusQueueClient;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    now = 1_000_000;
    bus = new FakeServiceBus(() => now);
    q = new ServiceBusQueueClient({
      namespace: 'ns',
      name: 'work',
      spec: 'sb://ns/work',
      sender: bus.sender,
      receiver: bus.receiver,
      now: () => now,
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('task messages use <wf>/<task>/<attempt> as the duplicate-detection id', async () => {
    const { id, body } = encodeTaskMessage({
      workflowId: 'wf',
      task: 't',
      attemptNo: 2,
      kwargsJson: '{}',
      upstreamRefs: null,
    });
    await q.send(body, { messageId: id });
    expect(bus.sent[0].messageId).toBe('wf/t/2');
  });

  it('completions without an explicit id use their envelope md5 id, so a re-publish is de-duplicated', async () => {
    const body = encodeCompletionMessage({
      workflowId: 'wf',
      task: 't',
      success: true,
      outputRef: null,
      error: null,
      attemptNo: 1,
    });
    await q.send(body);
    await q.send(body);
    expect(bus.sent[0].messageId).toMatch(/^[0-9a-f]{32}$/);
    expect(bus.sent[0].messageId).toBe(bus.sent[1].messageId);
    expect(bus.sent[0].messageId).toBe(JSON.parse(body).id);
  });

  it('ids longer than Service Bus allows (128) are hashed deterministically', () => {
    const long = `${'w'.repeat(100)}/${'t'.repeat(100)}/1`;
    expect(serviceBusMessageId('{}', long)).toMatch(/^[0-9a-f]{32}$/);
    expect(serviceBusMessageId('{}', long)).toBe(serviceBusMessageId('{}', long));
    expect(serviceBusMessageId('{}', 'short/id/1')).toBe('short/id/1');
  });

  it('bodies travel as raw UTF-8 bytes and come back as the same text', async () => {
    const body = '{"kwargs":"é☃"}';
    await q.send(body);
    expect(Buffer.isBuffer(bus.sent[0].body)).toBe(true);
    expect((bus.sent[0].body as Buffer).toString('utf8')).toBe(body);
    const [m] = await q.receive(10, 30);
    expect(m.body).toBe(body);
    expect(m.dequeueCount).toBe(1);
  });

  it('a body over 256 KiB is rejected before anything is sent', async () => {
    const err = await q.send('x'.repeat(256 * 1024 + 1)).catch((e: unknown) => e);
    expect(isJobqError(err, 'MessageTooLargeError')).toBe(true);
    expect(bus.sent).toHaveLength(0);
  });

  it('delete completes and release abandons the locked message; a second settle is a no-op', async () => {
    await q.send('a');
    await q.send('b');
    const [a, b] = await q.receive(10, 30);
    await q.delete(a);
    await q.delete(a);
    await q.release(b);
    expect(bus.completed).toEqual([a.handle]);
    expect(bus.abandoned).toEqual([b.handle]);
  });

  it('completing a message whose lock was lost is harmless (it will be redelivered)', async () => {
    await q.send('a');
    const [a] = await q.receive(1, 30);
    bus.lockLost.add(String(a.handle));
    await expect(q.delete(a)).resolves.toBeUndefined();
  });

  it('renews the lock in the background until the requested visibility deadline, then lets it lapse', async () => {
    await q.send('long');
    const [m] = await q.receive(1, 150); // 150 s visibility over a 60 s lock
    now += 50_000;
    await vi.advanceTimersByTimeAsync(50_000);
    expect(bus.renewals).toEqual([m.handle]); // renewed 10 s before the first expiry
    now += 60_000;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(bus.renewals).toHaveLength(2);
    now += 120_000;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(bus.renewals).toHaveLength(2); // the lock now reaches past the deadline: no more renewals
  });

  it('a visibility within one lock needs no renewal', async () => {
    await q.send('short');
    await q.receive(1, 30);
    now += 200_000;
    await vi.advanceTimersByTimeAsync(200_000);
    expect(bus.renewals).toEqual([]);
  });

  it('settling a message stops its background renewal', async () => {
    await q.send('long');
    const [m] = await q.receive(1, 600);
    await q.delete(m);
    now += 200_000;
    await vi.advanceTimersByTimeAsync(200_000);
    expect(bus.renewals).toEqual([]);
  });

  it('extend renews now and moves the deadline; extending a lost lock throws MessageLostError', async () => {
    await q.send('a');
    const [m] = await q.receive(1, 30);
    await q.extend(m, 30);
    expect(bus.renewals).toEqual([m.handle]);
    bus.lockLost.add(String(m.handle));
    const err = await q.extend(m, 30).catch((e: unknown) => e);
    expect(isJobqError(err, 'MessageLostError')).toBe(true);
  });

  it('dead-letters a held message with its reason', async () => {
    await q.send('poison');
    const [m] = await q.receive(1, 30);
    await q.deadLetter(m, 'poison: not JSON');
    expect(bus.deadLettered).toEqual([{ token: m.handle, reason: 'poison: not JSON' }]);
    await q.delete(m); // already settled: nothing to do
    expect(bus.completed).toEqual([]);
  });

  it('counts transactions, empty receives separately', async () => {
    await q.receive(5, 30);
    await q.send('a');
    const [m] = await q.receive(5, 30);
    await q.delete(m);
    expect(q.transactions).toMatchObject({ send: 1, receive: 2, emptyReceive: 1, delete: 1 });
  });
});

describe('Service Bus error translation', () => {
  it.each([
    [
      { code: 'ServiceCommunicationProblem', message: 'getaddrinfo ENOTFOUND ns.servicebus.windows.net' },
      'StorageUnreachableError',
    ],
    [{ code: 'ServiceBusy', message: 'throttled' }, 'TransientStorageError'],
    [{ code: 'ServiceTimeout', message: 'timeout' }, 'TransientStorageError'],
    [{ code: 'MessagingEntityNotFound', message: 'no queue' }, 'ConfigError'],
    [{ code: 'UnauthorizedAccess', message: 'denied' }, 'ConfigError'],
    [{ code: 'MessageSizeExceeded', message: 'too big' }, 'MessageTooLargeError'],
    [{ code: 'MessageLockLost', message: 'lost' }, 'MessageLostError'],
  ] as const)('%o → %s', (err, name) => {
    expect(
      isJobqError(
        translateServiceBusError(Object.assign(new Error(err.message), err), 'sb://ns/q', 'op'),
        name,
      ),
    ).toBe(true);
  });

  it('an unknown error passes through unchanged', () => {
    const e = new Error('bug');
    expect(translateServiceBusError(e, 'sb://ns/q', 'op')).toBe(e);
  });
});
