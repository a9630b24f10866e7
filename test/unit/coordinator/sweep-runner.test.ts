import { afterEach, describe, expect, it } from 'vitest';
import { SweepRunner, type ShardSweep } from '../../../src/coordinator/sweeper.js';
import { silentLogger } from '../../../src/log.js';
import { waitFor } from '../../support/azurite.js';

const IDLE_INTERVAL_S = 0.25;

function recordingSweep(idle: { value: boolean }): ShardSweep & { ticks: { shard: number; at: number }[] } {
  const ticks: { shard: number; at: number }[] = [];
  return {
    name: 'test',
    intervalS: 0.01,
    idle: { intervalS: IDLE_INTERVAL_S, when: () => idle.value },
    ticks,
    tick(shard) {
      ticks.push({ shard, at: Date.now() });
      return Promise.resolve();
    },
  };
}

describe('sweep pacing', () => {
  let runner: SweepRunner | null = null;
  afterEach(async () => {
    await runner?.stop();
    runner = null;
  });

  it('ticks at the idle pace while idle, visits shards in order, and speeds up when work appears', async () => {
    const idle = { value: true };
    const sweep = recordingSweep(idle);
    runner = new SweepRunner([sweep], silentLogger(), () => true);
    runner.start();
    await waitFor(() => sweep.ticks.length >= 3, { what: 'three idle ticks', timeoutMs: 5_000 });
    const idleTicks = sweep.ticks.slice(0, 3);
    for (let i = 1; i < idleTicks.length; i++)
      expect(idleTicks[i].at - idleTicks[i - 1].at).toBeGreaterThanOrEqual(IDLE_INTERVAL_S * 1000 - 5);
    // Skipped wake-ups must not advance the shard: a full pass still visits every shard once.
    expect(idleTicks.map((t) => t.shard)).toEqual([0, 1, 2]);

    idle.value = false;
    const before = sweep.ticks.length;
    const since = Date.now();
    await waitFor(() => sweep.ticks.length >= before + 10, { what: 'ten busy ticks', timeoutMs: 5_000 });
    // Ten ticks at the idle pace would take 2.5 s; at the busy pace (10 ms) they take a fraction of it.
    expect(Date.now() - since).toBeLessThan(10 * IDLE_INTERVAL_S * 1000);
  });

  it('never ticks while the lease is not held', async () => {
    const sweep = recordingSweep({ value: false });
    let held = false;
    runner = new SweepRunner([sweep], silentLogger(), () => held);
    runner.start();
    const probe = recordingSweep({ value: false });
    const control = new SweepRunner([probe], silentLogger(), () => true);
    control.start();
    await waitFor(() => probe.ticks.length >= 5, { what: 'control ticks' });
    await control.stop();
    expect(sweep.ticks).toHaveLength(0);
    held = true;
    await waitFor(() => sweep.ticks.length >= 1, { what: 'a tick once held' });
  });
});
