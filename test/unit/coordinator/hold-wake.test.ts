/**
 * A main loop kept from receiving by its hold bound (received messages not yet deleted) receives again
 * as soon as the delete queue reports a change — not on its next timer tick — and, with nothing
 * changing, re-checks on its backstop timer only. Time is frozen (fake timers), so a receive that
 * happens without advancing it can only have been woken by the ack queue's event.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOLD_WAIT_MAX_MS, MainLoop } from '../../../src/coordinator/main-loop.js';
import type { WorkflowTable } from '../../../src/coordinator/workflow-table.js';
import { emptyStats } from '../../../src/coordinator/stats.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import { silentLogger } from '../../../src/log.js';
import type { QueueClient, ReceivedMessage } from '../../../src/ports/queue.js';
import type { OutputStore } from '../../../src/ports/output-store.js';
import { encodeCompletionMessage } from '../../../src/wire/completion-message.js';

const completion = (i: number): ReceivedMessage => ({
  id: `m${i}`,
  body: encodeCompletionMessage({
    workflowId: 'wf',
    task: `t${i}`,
    success: true,
    outputRef: null,
    error: null,
    attemptNo: 1,
  }),
  dequeueCount: 1,
  enqueuedAt: 0,
  handle: `h${i}`,
});

/** A workflow table that holds every message it is given until the test deletes them. */
function holdingTable() {
  let held = 0;
  let listener: () => void = () => {};
  const table = {
    heldCount: () => held,
    ackBacklog: () => 0,
    ackSettleEstimateMs: () => 1,
    ackProbeReady: () => false,
    ackBurstReady: () => false,
    setAckReading: () => {},
    hasWorkInFlight: () => true,
    onAckChange: (l: () => void) => (listener = l),
    process: (_wf: string, group: readonly unknown[]) => {
      held += group.length;
      return Promise.resolve();
    },
    ack: () => {},
  };
  return {
    table: table as unknown as WorkflowTable,
    /** The messages held are deleted; `notify`: the ack queue reports it. */
    deleteAll(notify: boolean) {
      held = 0;
      if (notify) listener();
    },
    /** `n` of the messages held are deleted and the ack queue reports it. */
    deleteSome(n: number) {
      held -= n;
      listener();
    },
    held: () => held,
  };
}

function countingQueue() {
  let n = 0;
  const receives: number[] = [];
  const queue = {
    receive: (max: number) => {
      receives.push(max);
      return Promise.resolve(Array.from({ length: max }, () => completion(n++)));
    },
  } as unknown as QueueClient;
  return { queue, receives };
}

/** Let promise chains run without moving the fake clock. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('main loop held by its hold bound', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A loop held after its first receive; `stop` ends it and runs out its timers. */
  const heldAfterFirstReceive = async () => {
    let looks = 0;
    const t = holdingTable();
    const q = countingQueue();
    const loop = new MainLoop({
      completions: q.queue,
      outputs: {} as OutputStore,
      table: t.table,
      // One batch may be held: the loop stops after each receive until it is deleted.
      settings: { ...DEFAULT_COORDINATOR_SETTINGS, batchSize: 4, maxReceivesPerCycle: 1 },
      stats: emptyStats(),
      logger: silentLogger(),
      // Counts the loop's iterations: each one starts by asking for the lease.
      leaseHeld: () => (looks++, true),
    });
    const done = loop.run();
    await settle();
    expect(q.receives).toHaveLength(1);
    const stop = async () => {
      loop.stop();
      await vi.runAllTimersAsync();
      await done;
    };
    return { t, q, stop, looks: () => looks };
  };

  it('receives again when the ack queue reports the delete, with time standing still', async () => {
    const { t, q, stop } = await heldAfterFirstReceive();
    expect(t.held()).toBe(4);
    t.deleteAll(true);
    await settle();
    expect(q.receives).toHaveLength(2);
    await stop();
  });

  it('stays asleep on a report that frees nothing, and moves on the one that does', async () => {
    const { t, q, stop, looks } = await heldAfterFirstReceive();
    const before = looks();
    // Two of the four held are deleted: one more batch of four still exceeds the bound of four.
    t.deleteSome(2);
    await settle();
    expect(looks()).toBe(before);
    expect(q.receives).toHaveLength(1);
    t.deleteSome(2);
    await settle();
    expect(q.receives).toHaveLength(2);
    await stop();
  });

  it('without a report, waits for its backstop timer to re-check', async () => {
    const { t, q, stop } = await heldAfterFirstReceive();
    t.deleteAll(false);
    await settle();
    expect(q.receives).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(HOLD_WAIT_MAX_MS - 5);
    expect(q.receives).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(q.receives).toHaveLength(2);
    await stop();
  });
});
