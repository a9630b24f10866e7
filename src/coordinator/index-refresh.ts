/**
 * Keeps index rows of running workflows fresh (DECISIONS: the reference leaves them stale): a MERGE of
 * state, counters, `updated_at` and error, at most every `indexRefreshIntervalS` per workflow and always
 * at a terminal state. Writes of one workflow are chained so a late refresh never lands after the
 * terminal one.
 */
import type { Logger } from '../log.js';
import type { Runtime } from '../engine/api.js';
import type { CoordinatorSettings } from '../config/types.js';
import { progressColumnsOf, type IndexStore, type ProgressColumns } from '../ports/index-store.js';
import type { CoordinatorStats } from './stats.js';
import type { WorkflowSlot } from './slot.js';

export class IndexRefresher {
  private readonly chains = new Set<Promise<void>>();

  constructor(
    private readonly index: IndexStore,
    private readonly settings: CoordinatorSettings,
    private readonly stats: CoordinatorStats,
    private readonly logger: Logger,
  ) {}

  /** Called after each successful flush of `slot` whose durable content is `rt`. */
  afterFlush(slot: WorkflowSlot, rt: Runtime, now: number): void {
    const terminal = rt.isTerminal();
    if (!terminal && now - slot.lastIndexAt < this.settings.indexRefreshIntervalS * 1000) return;
    slot.lastIndexAt = now;
    this.write(slot, progressColumnsOf(rt));
  }

  /**
   * The durable state (just loaded) and the index row disagree on the workflow's state: a coordinator
   * died between a flush and its index write, possibly the terminal one, which nothing would ever
   * rewrite. Write the row from the durable state now.
   */
  repair(slot: WorkflowSlot, rt: Runtime, rowState: string): void {
    this.stats.index_repairs++;
    this.logger.info(
      { workflowId: slot.id, indexState: rowState, state: rt.state },
      `index row of ${slot.id} says ${rowState} but its state is ${rt.state}; repairing the row`,
    );
    this.write(slot, progressColumnsOf(rt));
  }

  private write(slot: WorkflowSlot, cols: ProgressColumns): void {
    const next = slot.indexChain.then(async () => {
      try {
        await this.index.update(slot.id, cols);
        this.stats.index_refreshes++;
      } catch (err) {
        this.logger.warn({ err, workflowId: slot.id }, `Index update failed for ${slot.id}`);
      }
    });
    slot.indexChain = next;
    this.chains.add(next);
    void next.finally(() => this.chains.delete(next));
  }

  async drain(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains]);
  }
}
