/** One workflow held by the coordinator: its runtime, durable ETag and the messages it still owes an ack. */
import type { CompletionInput, Runtime } from '../engine/api.js';
import type { ReceivedMessage } from '../ports/queue.js';

/** What a message asks the coordinator to do to one workflow (re-applied in order after a reload). */
export type WorkItem =
  | { kind: 'completion'; completion: CompletionInput }
  | { kind: 'activate' }
  | { kind: 'cancel' }
  | { kind: 'retry' }
  /** An activation that admission deferred: nothing to re-apply, ack once covered. */
  | { kind: 'noop' };

/**
 * A message that speaks for several workflows (a batch `activate`): it is deleted once every one of
 * them has covered it with a flush (or dropped it as unknown), not before.
 */
export interface SharedDelivery {
  remaining: number;
}

/**
 * The messages of `held` that may be deleted now: unshared ones, and shared ones whose last workflow
 * this was. Each entry must be passed here exactly once.
 */
export function deliverable(
  held: readonly { msg: ReceivedMessage; share?: SharedDelivery }[],
): ReceivedMessage[] {
  const out: ReceivedMessage[] = [];
  for (const h of held) if (!h.share || --h.share.remaining === 0) out.push(h.msg);
  return out;
}

export interface HeldMessage {
  msg: ReceivedMessage;
  /** Set when the message also speaks for other workflows. */
  share?: SharedDelivery;
  item: WorkItem;
  /** Mutation generation after this message was applied; acked once a flush covers it. */
  gen: number;
}

export interface WorkflowSlot {
  readonly id: string;
  runtime: Runtime;
  /** ETag of the last durable state this runtime descends from. */
  etag: string;
  /** Count of in-memory mutations (sweeps' included). */
  gen: number;
  /** Generation covered by the last successful flush. */
  durableGen: number;
  /** Received messages applied in memory, not yet acked (order preserved). */
  held: HeldMessage[];
  /** The running flush loop, if any (flushes of one workflow are serialized). */
  flushing: Promise<void> | null;
  /** Consecutive flush conflicts (reset on success). */
  conflicts: number;
  /** Epoch ms of the last index-row refresh. */
  lastIndexAt: number;
  /** Serializes index writes so a late refresh never overwrites a terminal row. */
  indexChain: Promise<void>;
  /** Set when the slot left the table (abandoned, vanished, evicted); its loops stop. */
  retired: boolean;
}

export function newSlot(id: string, runtime: Runtime, etag: string): WorkflowSlot {
  return {
    id,
    runtime,
    etag,
    gen: 0,
    durableGen: 0,
    held: [],
    flushing: null,
    conflicts: 0,
    lastIndexAt: 0,
    indexChain: Promise.resolve(),
    retired: false,
  };
}

/** True when nothing is owed: every mutation durable, every message acked, no flush running. */
export function isClean(slot: WorkflowSlot): boolean {
  return slot.gen <= slot.durableGen && slot.held.length === 0 && slot.flushing === null;
}
