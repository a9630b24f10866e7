/**
 * Parent outputs for condition evaluation (DECISIONS §4.4): `blob:` refs are fetched, bounded in number
 * and concurrency, and cached for the duration of one batch cycle.
 */
import type { OutputResolver } from '../engine/api.js';
import type { OutputStore } from '../ports/output-store.js';
import { forEachLimit } from './concurrency.js';
import { LruMap } from './lru.js';

const MAX_CACHED_OUTPUTS = 256;
const FETCH_CONCURRENCY = 8;

export class BatchOutputs {
  private readonly values = new LruMap<string, unknown>(MAX_CACHED_OUTPUTS);
  fetched = 0;

  constructor(private readonly store: OutputStore) {}

  /** The resolver the engine calls: cached values only; misses are reported in `needOutputs`. */
  readonly resolve: OutputResolver = (ref) =>
    this.values.has(ref) ? { ok: true, value: this.values.get(ref) } : { ok: false };

  /** Fetch every ref not yet cached (a failure propagates: the caller leaves its messages un-acked). */
  async fetchAll(refs: readonly string[]): Promise<void> {
    const missing = [...new Set(refs)].filter((r) => !this.values.has(r));
    await forEachLimit(missing, FETCH_CONCURRENCY, async (ref) => {
      this.values.set(ref, await this.store.fetchOutput(ref));
      this.fetched++;
    });
  }
}
