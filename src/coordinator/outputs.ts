/**
 * Parent outputs for condition evaluation (DECISIONS §4.4): `blob:` refs are fetched, bounded in size,
 * number and concurrency, and cached for the duration of one batch cycle. An output that can never be
 * fetched (missing, not decodable, too large) resolves to an error, so the conditions that need it are
 * skipped with `condition error: upstream output <ref> unavailable: <why>` instead of redelivering the
 * completion forever. Transient storage errors still propagate (the messages are redelivered).
 */
import type { OutputResolver } from '../engine/api.js';
import type { OutputStore } from '../ports/output-store.js';
import { isJobqError } from '../errors.js';
import { forEachLimit } from './concurrency.js';
import { LruMap } from './lru.js';

/** Largest parent output a condition may read, in bytes of its JSON encoding. */
export const MAX_CONDITION_OUTPUT_BYTES = 8 * 1024 * 1024;
/** Outputs kept across the steps of one batch (each step also keeps every ref it asked for). */
const MAX_CACHED_OUTPUTS = 256;
const FETCH_CONCURRENCY = 8;

/** What a fetch produced: the decoded value, or why it can never be had. */
export type FetchedOutput = { ok: true; value: unknown } | { ok: false; error: string };

/** Size of a decoded output, in bytes of its JSON text (the store returns decoded values only). */
function encodedBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8') + 2;
  if (value === null || typeof value !== 'object') return 16;
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** Fetch and vet one output; permanent problems become `{ ok: false }`, transient ones throw. */
async function fetchOne(store: OutputStore, ref: string, maxBytes: number): Promise<FetchedOutput> {
  let value: unknown;
  try {
    value = await store.fetchOutput(ref);
  } catch (err) {
    // OutputFetchError = the blob is missing or its content is not decodable: retrying cannot help.
    if (!isJobqError(err, 'OutputFetchError')) throw err;
    return { ok: false, error: `upstream output ${ref} unavailable: ${err.message}` };
  }
  const bytes = encodedBytes(value);
  if (bytes > maxBytes)
    return {
      ok: false,
      error: `upstream output ${ref} unavailable: ${bytes} bytes exceeds the ${maxBytes}-byte limit for conditions`,
    };
  return { ok: true, value };
}

/**
 * The outputs of one step (one applied message or mutation). Holds every ref it requested, so an
 * aggregate condition over more parents than the batch cache holds can never evict its own inputs.
 */
export class StepOutputs {
  private readonly values = new Map<string, FetchedOutput>();

  constructor(private readonly batch: BatchOutputs) {}

  /** Resolver for the engine: every ref fetched for this step, then the batch cache. */
  readonly resolve: OutputResolver = (ref) => this.values.get(ref) ?? this.batch.resolve(ref);

  /** Whether this step already holds an answer for `ref`. */
  has(ref: string): boolean {
    return this.values.has(ref);
  }

  /** Fetch (or take from the batch cache) every ref; transient failures propagate. */
  async fetchAll(refs: readonly string[]): Promise<void> {
    const got = await this.batch.fetchAll(refs.filter((r) => !this.values.has(r)));
    for (const [ref, out] of got) this.values.set(ref, out);
  }
}

export class BatchOutputs {
  private readonly values = new LruMap<string, FetchedOutput>(MAX_CACHED_OUTPUTS);
  fetched = 0;

  constructor(
    private readonly store: OutputStore,
    private readonly maxBytes = MAX_CONDITION_OUTPUT_BYTES,
  ) {}

  /** The resolver the engine calls: cached values (or errors) only; misses go to `needOutputs`. */
  readonly resolve: OutputResolver = (ref) => this.values.get(ref) ?? { ok: false };

  /** A fresh per-step view (see StepOutputs). */
  step(): StepOutputs {
    return new StepOutputs(this);
  }

  /**
   * Answer every ref, fetching those not cached. Permanent failures are answers (`ok: false`); a
   * transient failure propagates and the caller leaves its messages un-acked.
   */
  async fetchAll(refs: readonly string[]): Promise<Map<string, FetchedOutput>> {
    const out = new Map<string, FetchedOutput>();
    const missing: string[] = [];
    for (const ref of new Set(refs)) {
      const hit = this.values.get(ref);
      if (hit) out.set(ref, hit);
      else missing.push(ref);
    }
    await forEachLimit(missing, FETCH_CONCURRENCY, async (ref) => {
      const got = await fetchOne(this.store, ref, this.maxBytes);
      this.values.set(ref, got);
      out.set(ref, got);
      this.fetched++;
    });
    return out;
  }
}
