/** Reference §8 #4 and DECISIONS §4.6: one coordinator per prefix; without the lease it stops acting. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/ports/backend.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { Coordinator } from '../../../src/coordinator/index.js';
import { silentLogger } from '../../../src/log.js';
import { uniquePrefix, waitFor } from '../../support/azurite.js';
import {
  FakeWorkers,
  def,
  openTestBackend,
  startCoordinator,
  submit,
  taskStates,
  testSettings,
  waitForState,
  TEST_QUEUE,
} from './harness.js';
import { fanOutFanIn, prefillCompletions, storeRunningWorkflow } from './seed.js';

const foreign = {
  coordinatorId: 'someone-else',
  host: 'elsewhere',
  pid: 1,
  startedAt: new Date().toISOString(),
};

describe('lease as fence', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
  });
  async function backendFor(prefix: string): Promise<Backend> {
    const b = await openTestBackend(prefix);
    cleanup.push(() => b.close());
    return b;
  }

  it('a second coordinator on the prefix fails fast naming the prefix; exactly one advances workflows', async () => {
    const prefix = uniquePrefix('Two');
    const [b1, b2] = [await backendFor(prefix), await backendFor(prefix)];
    const first = await startCoordinator(b1);
    cleanup.push(() => first.stop());
    const second = new Coordinator({ backend: b2, settings: testSettings(), logger: silentLogger() });
    const err = await second.start().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('LeaseHeldError');
    expect(err?.message).toContain(prefix);
    const workers = new FakeWorkers(b1).start();
    cleanup.push(() => workers.stop());
    const client = new WorkflowClient({ backend: b1 });
    const id = await submit(
      client,
      def('one-leader', [
        ['a', []],
        ['b', ['a']],
      ]),
    );
    await waitForState(client, id, ['completed']);
    expect(first.stats().completions_handled).toBeGreaterThanOrEqual(2);
    expect(second.stats().completions_handled).toBe(0);
    expect(second.stats().tasks_pushed).toBe(0);
  });

  it('--break-lease takes over from a crashed holder', async () => {
    const prefix = uniquePrefix('Brk');
    const b = await backendFor(prefix);
    const squatter = await backendFor(prefix);
    await squatter.lease.acquire(60, foreign);
    const c = new Coordinator({
      backend: b,
      settings: testSettings(),
      logger: silentLogger(),
      breakLease: true,
    });
    await c.start();
    cleanup.push(() => c.stop());
    expect(c.stats().lease_state).toBe('held');
    expect((await b.lease.status()).state).toBe('leased');
  });

  it('a coordinator whose lease is taken stops flushing and acking at once and gives up within the lease duration', async () => {
    const prefix = uniquePrefix('Lost');
    const b = await backendFor(prefix);
    const thief = await backendFor(prefix);
    const client = new WorkflowClient({ backend: b });
    const leaves = await storeRunningWorkflow(b, fanOutFanIn(3, 'perf', TEST_QUEUE), 'wf-fenced');
    const c = await startCoordinator(b, { leaseDurationS: 15, leaseRenewIntervalS: 0.5 });
    await thief.lease.break();
    await thief.lease.acquire(60, foreign);
    await waitFor(() => c.stats().lease_state === 'lost', {
      what: 'coordinator noticed the lost lease',
      timeoutMs: 10_000,
    });
    await prefillCompletions(b, 'wf-fenced', leaves);
    const failure = await c.done.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(failure?.name).toBe('LeaseLostError');
    expect(c.stats().completions_handled).toBe(0);
    expect(Object.values(await taskStates(client, 'wf-fenced')).filter((s) => s === 'running')).toHaveLength(
      3,
    );
    expect(await b.completions.approximateDepth()).toBe(3);
  }, 60_000);
});
