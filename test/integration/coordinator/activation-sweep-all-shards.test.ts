/**
 * Issue 15 item 4: pending workflows whose `activate` never reached a jobq coordinator (lost, or sent
 * while a reference coordinator ran the prefix) are found across all 16 index shards in one pass of the
 * activation sweep — within ~15 s at the default 10 s interval — instead of one shard per tick
 * (10–160 s depending on the ID).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import { shardOf } from '../../../src/ports/index-store.js';
import type { Backend } from '../../../src/ports/backend.js';
import { uniquePrefix, waitFor } from '../../support/azurite.js';
import { idInShard } from '../../support/conformance/storage-index.js';
import { FakeWorkers, def, openTestBackend, startCoordinator, submit, waitForState } from './harness.js';

describe('activation sweep', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('admits pending workflows of many shards in one pass, within 15 s at the default interval', async () => {
    const backend: Backend = await openTestBackend(uniquePrefix('ActAll'));
    cleanup.push(() => backend.close());
    const client = new WorkflowClient({ backend });
    // Shards far apart in the rotation a one-shard-per-tick sweep would follow.
    const shards = [0, 5, 10, 15];
    const ids: string[] = [];
    for (const s of shards) {
      const id = idInShard(s, 'act');
      ids.push(await submit(client, def(`act-${s}`, [['a', []]]), id));
    }
    expect(ids.map(shardOf)).toEqual(shards);
    await backend.completions.clear(); // the activate messages are lost
    const workers = new FakeWorkers(backend).start();
    cleanup.push(() => workers.stop());

    const started = Date.now();
    const c = await startCoordinator(backend, {
      activationSweepIntervalS: DEFAULT_COORDINATOR_SETTINGS.activationSweepIntervalS,
    });
    cleanup.push(() => c.stop());
    // Admitted (no longer pending) within one interval plus slack, whatever the shard.
    const admittedAfter = await Promise.all(
      ids.map(async (id) => {
        await waitForState(client, id, ['running', 'completed'], 15_000);
        return Date.now() - started;
      }),
    );
    expect(Math.max(...admittedAfter)).toBeLessThan(15_000);
    for (const id of ids) expect(await waitForState(client, id, ['completed'])).toBe('completed');
    await waitFor(() => c.stats().activation_sweeps >= 1);
    // Everything was found by the first tick (a one-shard sweep needs 16 ticks for a full pass).
    expect(c.stats().activation_sweeps).toBeLessThanOrEqual(2);
    expect(c.stats().control_messages).toBe(0);
  }, 60_000);
});
