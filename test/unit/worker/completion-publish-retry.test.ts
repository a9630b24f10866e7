import { describe, expect, it } from 'vitest';
import { completionRetryDelayMs, publishCompletion } from '../../../src/worker/completion-publisher.js';
import { silentLogger } from '../../../src/log.js';
import type { QueueClient } from '../../../src/ports/queue.js';

/** A completion queue whose first `failures` sends fail (policy test; the Azurite test covers the real queue). */
function flakyQueue(failures: number): { queue: QueueClient; sent: string[]; attempts: () => number } {
  let attempts = 0;
  const sent: string[] = [];
  const queue = {
    async send(body: string) {
      attempts++;
      if (attempts <= failures) throw new Error('queue unavailable');
      sent.push(body);
    },
  } as unknown as QueueClient;
  return { queue, sent, attempts: () => attempts };
}

describe('completion publishing back-off (reference §6.5)', () => {
  it('waits 1 s doubling to a 60 s cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((a) => completionRetryDelayMs(a, 1000, 60_000));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('retries until the send succeeds when the cap is 0 (forever)', async () => {
    const q = flakyQueue(4);
    const ok = await publishCompletion(q.queue, 'body', {
      maxAttempts: 0,
      initialDelayMs: 1,
      maxDelayMs: 4,
      logger: silentLogger(),
    });
    expect(ok).toBe(true);
    expect(q.attempts()).toBe(5);
    expect(q.sent).toEqual(['body']);
  });

  it('gives up after maxAttempts and reports it', async () => {
    const q = flakyQueue(10);
    const ok = await publishCompletion(q.queue, 'body', {
      maxAttempts: 3,
      initialDelayMs: 1,
      maxDelayMs: 4,
      logger: silentLogger(),
    });
    expect(ok).toBe(false);
    expect(q.attempts()).toBe(3);
    expect(q.sent).toEqual([]);
  });

  it('stops retrying when aborted (worker shutdown)', async () => {
    const q = flakyQueue(1000);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 30);
    const ok = await publishCompletion(q.queue, 'body', {
      maxAttempts: 0,
      initialDelayMs: 5,
      maxDelayMs: 10,
      logger: silentLogger(),
      signal: abort.signal,
    });
    expect(ok).toBe(false);
  });
});
