/**
 * One conformance suite for every QueueClient adapter (memory, Storage Queue on Azurite, Service Bus
 * when credentials are given). Each test opens a fresh queue from the factory so tests never share state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isJobqError } from '../../../src/errors.js';
import type { QueueClient, ReceivedMessage } from '../../../src/ports/queue.js';
import { waitFor } from '../azurite.js';

export interface QueueConformanceOptions {
  /**
   * Shortest visibility the backend honours, seconds (Storage Queue/memory: 1; Service Bus: the queue's
   * lock duration, since a peek-lock cannot be shorter).
   */
  minVisibilityS?: number;
  /** Most messages one receive may return (Storage Queue and memory: 32; Service Bus has no such cap). */
  maxBatch?: number;
}

/** Receive until `n` messages arrived (or the deadline passes). */
async function receiveAll(q: QueueClient, n: number, visibilityS = 30): Promise<ReceivedMessage[]> {
  const got: ReceivedMessage[] = [];
  await waitFor(
    async () => {
      got.push(...(await q.receive(32, visibilityS)));
      return got.length >= n;
    },
    { what: `${n} messages on ${q.spec}`, timeoutMs: 20_000 },
  );
  return got;
}

/** Run the QueueClient conformance tests against queues made by `makeQueue` (each call: a new, empty queue). */
export function queueConformance(
  makeQueue: () => Promise<QueueClient>,
  opts: QueueConformanceOptions = {},
): void {
  const minVis = opts.minVisibilityS ?? 1;
  const maxBatch = opts.maxBatch ?? 32;
  const opened: QueueClient[] = [];
  const fresh = async () => {
    const q = await makeQueue();
    opened.push(q);
    await q.ensure();
    return q;
  };
  afterEach(async () => {
    await Promise.allSettled(
      opened.splice(0).map(async (q) => (await q.clear().catch(() => undefined), q.close())),
    );
  });

  describe('QueueClient conformance', () => {
    it('sends, receives and deletes a message with its body unchanged', async () => {
      const q = await fresh();
      const body = '{"version":1,"kwargs":"{\\"é\\":\\"☃\\"}"} <&> ' + 'x'.repeat(100);
      await q.send(body, { messageId: 'wf/t/1' });
      const [m] = await receiveAll(q, 1);
      expect(m.body).toBe(body);
      expect(m.dequeueCount).toBe(1);
      expect(m.enqueuedAt).toBeGreaterThan(Date.now() - 600_000);
      await q.delete(m);
      expect(await q.receive(32, minVis)).toEqual([]);
      expect(await q.approximateDepth()).toBe(0);
    });

    it('a message not deleted within its visibility timeout is redelivered with dequeueCount 2', async () => {
      const q = await fresh();
      await q.send('again');
      const [first] = await receiveAll(q, 1, minVis);
      expect(first.dequeueCount).toBe(1);
      const again = await waitFor(async () => (await q.receive(1, 30))[0], {
        what: 'redelivery',
        timeoutMs: (minVis + 20) * 1000,
        intervalMs: 200,
      });
      expect(again.body).toBe('again');
      expect(again.dequeueCount).toBe(2);
      await q.delete(again);
    });

    it('extend keeps a message invisible past its first timeout, and the new handle deletes it', async () => {
      const q = await fresh();
      await q.send('held');
      const [m] = await receiveAll(q, 1, minVis);
      const extended = await q.extend(m, 60);
      const until = Date.now() + (minVis + 1.5) * 1000;
      while (Date.now() < until) {
        expect(await q.receive(1, 30)).toEqual([]);
        await new Promise((r) => setTimeout(r, 250));
      }
      await q.delete(extended);
      expect(await q.approximateDepth()).toBe(0);
    });

    it('release makes a message visible again at once', async () => {
      const q = await fresh();
      await q.send('back');
      const [m] = await receiveAll(q, 1, 60);
      await q.release(m);
      const [again] = await receiveAll(q, 1, 60);
      expect(again.body).toBe('back');
      expect(again.dequeueCount).toBe(2);
    });

    it(`a batch receive returns at most ${maxBatch} messages and the queue drains completely`, async () => {
      const q = await fresh();
      await Promise.all(Array.from({ length: 40 }, (_, i) => q.send(`m${i}`)));
      const first = await q.receive(50, 60);
      expect(first.length).toBeGreaterThan(0);
      expect(first.length).toBeLessThanOrEqual(maxBatch);
      const rest = await receiveAll(q, 40 - first.length, 60);
      expect(new Set([...first, ...rest].map((m) => m.body)).size).toBe(40);
    });

    it('a delayed message stays invisible until its delay has passed', async () => {
      const q = await fresh();
      const sentAt = Date.now();
      await q.send('later', { delayS: 2 });
      expect(await q.receive(1, 30)).toEqual([]);
      const [m] = await receiveAll(q, 1);
      expect(m.body).toBe('later');
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_500);
    });

    it('reports depth, the oldest message time, and clear empties the queue', async () => {
      const q = await fresh();
      expect(await q.oldestMessageAt()).toBeNull();
      const before = Date.now() - 60_000;
      await q.send('a');
      await q.send('b');
      await q.send('c');
      await waitFor(async () => (await q.approximateDepth()) === 3, { what: 'depth 3' });
      expect(await q.oldestMessageAt()).toBeGreaterThan(before);
      await q.clear();
      await waitFor(async () => (await q.approximateDepth()) === 0, { what: 'depth 0' });
      expect(await q.receive(32, minVis)).toEqual([]);
    });

    it('rejects a body over the byte limit before sending (UTF-8 bytes, not characters)', async () => {
      const q = await fresh();
      const sendsBefore = q.transactions.send;
      const body = 'é'.repeat(Math.floor(q.maxMessageBytes / 2) + 1); // fewer characters than the limit, more bytes
      expect(body.length).toBeLessThan(q.maxMessageBytes);
      const err = await q.send(body).catch((e: unknown) => e);
      expect(isJobqError(err, 'MessageTooLargeError')).toBe(true);
      expect(String((err as Error).message)).toContain('--max-fan-in');
      expect(q.transactions.send).toBe(sendsBefore);
      expect(await q.approximateDepth()).toBe(0);
    });

    it('a body of exactly the limit is accepted', async () => {
      const q = await fresh();
      await q.send('y'.repeat(q.maxMessageBytes));
      const [m] = await receiveAll(q, 1);
      expect(m.body.length).toBe(q.maxMessageBytes);
    });

    it('deleting an already-deleted message is harmless', async () => {
      const q = await fresh();
      await q.send('once');
      const [m] = await receiveAll(q, 1);
      await q.delete(m);
      await expect(q.delete(m)).resolves.toBeUndefined();
      await expect(q.release(m)).resolves.toBeUndefined();
    });

    it('counts its transactions, empty receives separately', async () => {
      const q = await fresh();
      const t0 = { ...q.transactions };
      await q.send('t');
      const got = await receiveAll(q, 1);
      await q.delete(got[0]);
      await q.receive(32, minVis);
      expect(q.transactions.send - t0.send).toBe(1);
      expect(q.transactions.receive - t0.receive).toBeGreaterThanOrEqual(2);
      expect(q.transactions.emptyReceive - t0.emptyReceive).toBeGreaterThanOrEqual(1);
      expect(q.transactions.delete - t0.delete).toBe(1);
    });
  });
}
