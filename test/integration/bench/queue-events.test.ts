import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type EmbeddedAzurite } from '../../../src/azurite/embedded.js';
import { QueueEvents } from '../../../bench/lib/queue-events.js';

// The benchmarks' server-side observation (bench/lib/azurite-queue-events.cjs): the whole-process
// coordinator figures time the sink and the empty completion queue by these events.
describe('queue events seen by Azurite (benchmark hook)', () => {
  let dir: string;
  let events: QueueEvents;
  let az: EmbeddedAzurite;
  let queues: QueueServiceClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobq-queue-events-'));
    events = new QueueEvents(join(dir, 'events.jsonl'));
    az = await startAzurite(events.azuriteOptions());
    queues = QueueServiceClient.fromConnectionString(az.connectionString);
  });

  afterAll(async () => {
    events.stop();
    await az?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports when a queue gets its first message and when its last one is deleted, not before', async () => {
    const q = queues.getQueueClient('events-a');
    await q.create();
    const before = Date.now();
    await q.sendMessage('one');
    const sentBy = Date.now();
    const nonempty = await events.next('nonempty', 'events-a', before, 5_000);
    expect(nonempty).toBeGreaterThanOrEqual(before);
    expect(nonempty).toBeLessThanOrEqual(sentBy);
    await q.sendMessage('two');
    const got = (await q.receiveMessages({ numberOfMessages: 2, visibilityTimeout: 30 }))
      .receivedMessageItems;
    expect(got).toHaveLength(2);
    await q.deleteMessage(got[0]!.messageId, got[0]!.popReceipt);
    // One message is left (received, invisible): no 'empty' yet.
    await expect(events.next('empty', 'events-a', before, 300)).rejects.toThrow(/no 'empty' event/);
    const lastDelete = Date.now();
    await q.deleteMessage(got[1]!.messageId, got[1]!.popReceipt);
    const empty = await events.next('empty', 'events-a', before, 5_000);
    expect(empty).toBeGreaterThanOrEqual(lastDelete);
  });

  it('counts a queue that already held messages, and starts over after it is cleared', async () => {
    const q = queues.getQueueClient('events-b');
    await q.create();
    await q.sendMessage('x');
    await q.sendMessage('y');
    await q.clearMessages();
    const after = Date.now();
    await q.sendMessage('z');
    const t = await events.next('nonempty', 'events-b', after, 5_000);
    expect(t).toBeGreaterThanOrEqual(after);
    const [m] = (await q.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
    await q.deleteMessage(m!.messageId, m!.popReceipt);
    await expect(events.next('empty', 'events-b', after, 5_000)).resolves.toBeGreaterThanOrEqual(after);
  });
});
