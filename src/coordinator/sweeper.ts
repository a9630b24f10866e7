/**
 * Sharded sweeps: each sweeper runs on its own interval and each tick visits ONE of the 16 index shards,
 * so a full pass takes 16 ticks and the cost of a tick stays flat as workflows accumulate (a sweep whose
 * query is selective enough to cover the whole index in one request says `wholeIndex`). A skip cache
 * lets a sweep pass over workflows whose durable state has not changed since its last visit without
 * loading their blobs.
 */
import type { Logger } from '../log.js';
import { INDEX_SHARDS } from '../ports/index-store.js';
import { Waker } from './concurrency.js';

export interface ShardSweep {
  readonly name: string;
  readonly intervalS: number;
  /**
   * While `when()` holds, tick no more often than every `intervalS` of this (a sweep with nothing to
   * find stays cheap); the first check after it stops holding ticks at the normal pace again.
   */
  readonly idle?: { intervalS: number; when(): boolean };
  /** Each tick covers all shards with one query; `tick`'s shard argument is then meaningless. */
  readonly wholeIndex?: boolean;
  tick(shard: number): Promise<void>;
}

/** Per-sweep memory of what a workflow looked like at the last visit. */
export class SkipCache {
  private readonly seen = new Map<string, { key: string; dueAt: number }>();

  /** True when the workflow's durable version is unchanged and nothing falls due before `now`. */
  fresh(workflowId: string, key: string, now: number): boolean {
    const s = this.seen.get(workflowId);
    return s !== undefined && s.key === key && now < s.dueAt;
  }

  /** Remember a visit; `dueAt` = when the sweep must look again even if nothing changes (Infinity: never). */
  remember(workflowId: string, key: string, dueAt: number): void {
    this.seen.set(workflowId, { key, dueAt });
  }

  forget(workflowId: string): void {
    this.seen.delete(workflowId);
  }

  /** Drop entries of workflows no longer listed (keeps the cache bounded by the index). */
  retain(shardIds: ReadonlySet<string>, inShard: (id: string) => boolean): void {
    for (const id of this.seen.keys()) if (inShard(id) && !shardIds.has(id)) this.seen.delete(id);
  }
}

/** Runs each sweep on its own timer until stopped; ticks are skipped while `active()` is false. */
export class SweepRunner {
  private readonly waker = new Waker();
  private stopping = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly sweeps: readonly ShardSweep[],
    private readonly logger: Logger,
    private readonly active: () => boolean,
  ) {}

  start(): void {
    this.loops = this.sweeps.map((s) => this.loop(s));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.waker.wake();
    await Promise.all(this.loops);
  }

  private async loop(sweep: ShardSweep): Promise<void> {
    let shard = 0;
    let lastTick = Date.now();
    while (!this.stopping) {
      await this.waker.sleep(Math.max(10, sweep.intervalS * 1000));
      if (this.stopping) break;
      if (!this.active()) continue;
      if (sweep.idle?.when() && Date.now() - lastTick < sweep.idle.intervalS * 1000) continue;
      lastTick = Date.now();
      try {
        await sweep.tick(shard);
      } catch (err) {
        const where = sweep.wholeIndex ? 'the index' : `shard ${shard}`;
        this.logger.warn({ err, sweep: sweep.name, shard }, `${sweep.name} sweep failed on ${where}`);
      }
      shard = (shard + 1) % INDEX_SHARDS;
    }
  }
}
