import { describe, expect, it } from 'vitest';
import {
  COUNT_POLL_MAX_MS,
  COUNT_POLL_MIN_MS,
  COUNT_POLL_MS,
  nextCountWait,
  untilQueueEmpty,
} from '../../../bench/lib/process-coordinator.js';

describe('the bench count poll', () => {
  it('waits 1 ms per message counted while the count stands, within its bounds', () => {
    expect(nextCountWait(null, { at: 0, n: 998 })).toBe(COUNT_POLL_MAX_MS);
    expect(nextCountWait(null, { at: 0, n: 100 })).toBe(100);
    expect(nextCountWait(null, { at: 0, n: 3 })).toBe(COUNT_POLL_MS);
    expect(nextCountWait({ at: 0, n: 998 }, { at: 250, n: 998 })).toBe(COUNT_POLL_MAX_MS);
  });

  it('follows the count down: half of the time the rest takes at the rate it fell', () => {
    // 400 messages went in 200 ms (2/ms): the 200 left take 100 ms, so wait 50.
    expect(nextCountWait({ at: 0, n: 600 }, { at: 200, n: 200 })).toBe(50);
    // Near the end the wait is the floor, not the 1 ms-per-message rule's 20 ms.
    expect(nextCountWait({ at: 0, n: 100 }, { at: 50, n: 10 })).toBe(COUNT_POLL_MIN_MS);
    // A slow fall cannot wait longer than the cap.
    expect(nextCountWait({ at: 0, n: 1000 }, { at: 1000, n: 999 })).toBe(COUNT_POLL_MAX_MS);
  });

  it('returns when the count read 0 was sent, and gives up after its deadline', async () => {
    const counts = [5, 3, 1, 0];
    const sent: number[] = [];
    const at = await untilQueueEmpty(async () => {
      sent.push(Date.now());
      return { approximateMessagesCount: counts.shift() };
    }, 10_000);
    expect(sent).toHaveLength(4);
    expect(at).toBe(sent[3]);
    await expect(untilQueueEmpty(async () => ({ approximateMessagesCount: 7 }), 0)).rejects.toThrow(
      /still holds 7 messages/,
    );
  });
});
