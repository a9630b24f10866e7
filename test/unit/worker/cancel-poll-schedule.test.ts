import { describe, expect, it } from 'vitest';
import { CancelPoller, backedOffIntervalS, jitteredDelayS } from '../../../src/worker/cancel-poller.js';
import { silentLogger } from '../../../src/log.js';
import { waitFor } from '../../support/azurite.js';

describe('cancel poll schedule (reference §6.4)', () => {
  it('jitters each sleep by ±25 %', () => {
    expect(jitteredDelayS(30, () => 0)).toBeCloseTo(22.5);
    expect(jitteredDelayS(30, () => 0.5)).toBeCloseTo(30);
    expect(jitteredDelayS(30, () => 0.999999)).toBeCloseTo(37.5, 3);
  });

  it('doubles the interval on errors up to max(10 × base, 300 s)', () => {
    expect(backedOffIntervalS(30, 30)).toBe(60);
    expect(backedOffIntervalS(240, 30)).toBe(300);
    expect(backedOffIntervalS(300, 30)).toBe(300);
    expect(backedOffIntervalS(400, 60)).toBe(600);
    expect(backedOffIntervalS(1, 1)).toBe(2);
  });

  it('calls onCancel once when the flag is seen, then stops polling', async () => {
    let reads = 0;
    let cancels = 0;
    const poller = new CancelPoller({
      baseIntervalS: 0.02,
      read: async () => ++reads >= 3,
      onCancel: () => cancels++,
      logger: silentLogger(),
    }).start();
    await waitFor(() => cancels === 1, { timeoutMs: 2000 });
    const readsAtCancel = reads;
    await new Promise((r) => setTimeout(r, 100));
    poller.stop();
    expect(cancels).toBe(1);
    expect(reads).toBe(readsAtCancel);
  });

  it('keeps polling after a failed read and still sees a later cancel', async () => {
    let reads = 0;
    let cancelled = false;
    const poller = new CancelPoller({
      baseIntervalS: 0.01,
      read: async () => {
        reads++;
        if (reads === 1) throw new Error('storage hiccup');
        return true;
      },
      onCancel: () => (cancelled = true),
      logger: silentLogger(),
    }).start();
    // After the error the interval doubles (0.02 s), so the cancel arrives well within the deadline.
    await waitFor(() => cancelled, { timeoutMs: 2000 });
    poller.stop();
    expect(reads).toBe(2);
  });
});
