/**
 * The completion-queue loop (reference §5.4, pipelined). Receive k+1 runs while batch k is applied and
 * pushed, and while earlier batches flush and ack in the workflow table; a message is acked only after a
 * flush that covers it. Cycles are short (one receive of up to `batchSize`), so deletes follow receives
 * closely and the queue — and Azurite's per-account scan — stays shallow. The number of received but
 * un-acked messages is bounded by `maxReceivesPerCycle × batchSize` (the reference's largest batch).
 */
import type { Logger } from '../log.js';
import type { CoordinatorSettings } from '../config/types.js';
import type { QueueClient, ReceivedMessage } from '../ports/queue.js';
import type { OutputStore } from '../ports/output-store.js';
import type { CoordinatorStats } from './stats.js';
import type { IncomingMessage, WorkflowTable } from './workflow-table.js';
import { decodeCoordinatorMessage } from '../wire/control-message.js';
import { IdleBackoff } from '../adapters/idle-backoff.js';
import { BatchOutputs } from './outputs.js';
import { Waker } from './concurrency.js';

export interface MainLoopDeps {
  completions: QueueClient;
  outputs: OutputStore;
  table: WorkflowTable;
  settings: CoordinatorSettings;
  stats: CoordinatorStats;
  logger: Logger;
  leaseHeld(): boolean;
  /** Observe one batch's receive → apply → push time, seconds. */
  observeBatch?(seconds: number): void;
}

/** First idle wait after activity; doubles up to `maxIdleSleepS`. */
const FIRST_IDLE_WAIT_MS = 50;
const BACKPRESSURE_WAIT_MS = 5;
/**
 * Wait after a short receive (the queue was drained) before receiving again: an immediate receive would
 * mostly come back empty or nearly so, each one a billed transaction and a state write of its own.
 * Capped by `idleSleepS`, so a coordinator configured never to sleep never lingers either.
 */
const SHORT_RECEIVE_LINGER_MS = 50;
/** Re-check stop and lease at least this often while waiting for deletes to catch up. */
const ACK_WAIT_CAP_MS = 250;

/**
 * Deletes that may be waiting or in flight when the next receive is issued. A receive and then the
 * batch's flush each wait in Azurite's queue behind up to `ackConcurrency` deletes, so about two slot
 * loads plus one batch must be outstanding for Azurite never to run out of deletes while the next batch
 * is received, applied and flushed. Far below anything that could outlive a visibility timeout.
 */
export function ackBacklogLimit(s: Pick<CoordinatorSettings, 'ackConcurrency' | 'batchSize'>): number {
  return 2 * Math.max(1, s.ackConcurrency) + s.batchSize;
}

export class MainLoop {
  private readonly waker = new Waker();
  private stopping = false;
  private readonly backoff: IdleBackoff;
  /** Epoch ms of the last loop turn (for /healthz). */
  lastProgressAt = Date.now();

  constructor(private readonly d: MainLoopDeps) {
    const s = d.settings;
    this.backoff = new IdleBackoff({
      initialMs: Math.min(FIRST_IDLE_WAIT_MS, s.idleSleepS * 1000),
      maxMs: Math.max(s.idleSleepS, s.maxIdleSleepS) * 1000,
    });
  }

  /** Ask the loop to finish its current batch and return. */
  stop(): void {
    this.stopping = true;
    this.waker.wake();
  }

  /** Run until stopped. Never throws: errors are logged and the loop continues. */
  async run(): Promise<void> {
    const maxHeld = this.d.settings.maxReceivesPerCycle * this.d.settings.batchSize;
    const maxAckBacklog = ackBacklogLimit(this.d.settings);
    const lingerMs = Math.min(SHORT_RECEIVE_LINGER_MS, this.d.settings.idleSleepS * 1000);
    let processing: Promise<void> = Promise.resolve();
    while (!this.stopping) {
      this.lastProgressAt = Date.now();
      if (!this.d.leaseHeld() || this.d.table.heldCount() >= maxHeld) {
        await processing;
        await this.waker.sleep(this.d.leaseHeld() ? BACKPRESSURE_WAIT_MS : 200);
        continue;
      }
      if (this.d.table.ackBacklog() > maxAckBacklog) {
        // Receive no faster than deletes keep up (as a raw drain does). Receiving further ahead only
        // makes each Azurite operation scan more messages, and messages received long before their
        // delete come back when their visibility timeout runs out.
        await Promise.race([this.d.table.ackBacklogAtMost(maxAckBacklog), this.waker.sleep(ACK_WAIT_CAP_MS)]);
        continue;
      }
      const [msgs] = await Promise.all([this.receive(), processing]);
      if (msgs === null) {
        processing = Promise.resolve();
        await this.waker.sleep(this.backoff.next());
        continue;
      }
      if (msgs.length === 0) {
        processing = Promise.resolve();
        await this.waker.sleep(this.backoff.next());
        continue;
      }
      this.backoff.reset();
      processing = this.processBatch(msgs).catch((err: unknown) => {
        this.d.logger.error({ err }, 'coordinator: unexpected error in batch loop');
      });
      if (msgs.length < this.d.settings.batchSize && lingerMs > 0) await this.waker.sleep(lingerMs);
    }
    await processing;
  }

  /** One receive; null on error (logged, counted; the loop never dies of it). */
  private async receive(): Promise<ReceivedMessage[] | null> {
    try {
      return await this.d.completions.receive(this.d.settings.batchSize, this.d.settings.visibilityTimeoutS);
    } catch (err) {
      this.d.stats.receive_errors++;
      this.d.logger.error({ err }, 'coordinator: error receiving completions; will retry');
      return null;
    }
  }

  /** Decode, group by workflow (order preserved), apply each group under its workflow's mutex. */
  private async processBatch(msgs: ReceivedMessage[]): Promise<void> {
    const started = performance.now();
    this.d.stats.batches++;
    const groups = new Map<string, IncomingMessage[]>();
    for (const msg of msgs) {
      for (const [workflowId, m] of this.decode(msg)) {
        let g = groups.get(workflowId);
        if (!g) groups.set(workflowId, (g = []));
        g.push(m);
      }
    }
    const outputs = new BatchOutputs(this.d.outputs);
    await Promise.all(
      [...groups].map(([workflowId, group]) =>
        this.d.table.process(workflowId, group, outputs).catch((err: unknown) => {
          this.d.logger.error({ err, workflowId }, 'failed to apply completions; they will be redelivered');
        }),
      ),
    );
    this.d.observeBatch?.((performance.now() - started) / 1000);
  }

  /** What a message asks of which workflows: none (poison), one, or several (a batch `activate`). */
  private decode(msg: ReceivedMessage): [string, IncomingMessage][] {
    const decoded = decodeCoordinatorMessage(msg.body);
    if (decoded.kind === 'poison') {
      this.d.stats.poison_messages++;
      this.d.logger.warn(
        { id: msg.id, reason: decoded.reason },
        `dropping un-parseable completion message id=${msg.id}`,
      );
      this.d.table.ack([msg], 0);
      return [];
    }
    if (decoded.kind === 'completion') {
      const { workflowId, ...completion } = decoded.completion;
      return [[workflowId, { msg, item: { kind: 'completion', completion } }]];
    }
    this.d.stats.control_messages++;
    const c = decoded.control;
    if (c.type !== 'activate') return [[c.workflowId, { msg, item: { kind: c.type } }]];
    const targets = [{ workflowId: c.workflowId, createdAt: c.createdAt }, ...(c.more ?? [])];
    // A workflow named twice is activated once; the message is deleted after the last one flushed.
    const unique = [...new Map(targets.map((t) => [t.workflowId, t])).values()];
    const share = unique.length > 1 ? { remaining: unique.length } : undefined;
    return unique.map((t) => [
      t.workflowId,
      { msg, share, item: { kind: 'activate' }, createdAt: t.createdAt },
    ]);
  }
}
