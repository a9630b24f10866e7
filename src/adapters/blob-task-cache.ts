/**
 * TaskCacheStore over a BlobBucket: one gzip-free JSON blob per entry, `cache/<key>.json` in the
 * prefix's `<prefix lower>-jobq-ext` container (apart from the workflow blobs, so purging a workflow
 * never touches the cache). Shared by the Azure and memory adapters.
 */
import type { CacheSource, TaskCacheEntry, TaskCacheStore } from '../ports/task-cache.js';
import type { BlobBucket } from './blob-bucket.js';
import { mapBounded } from '../concurrency.js';

const PREFIX = 'cache/';
const KEY = /^[0-9a-f]{64}$/;

interface EntryDoc {
  v: 1;
  key: string;
  created_at: string;
  source: { workflow_id: string; task: string; attempt: number };
  output: string | null;
}

function decodeEntry(bytes: Buffer, key: string): TaskCacheEntry | null {
  let doc: Partial<EntryDoc>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Partial<EntryDoc>;
  } catch {
    return null;
  }
  const s = doc.source;
  if (
    doc.v !== 1 ||
    doc.key !== key ||
    typeof doc.created_at !== 'string' ||
    !s ||
    typeof s.workflow_id !== 'string' ||
    typeof s.task !== 'string' ||
    typeof s.attempt !== 'number' ||
    (doc.output !== null && typeof doc.output !== 'string')
  )
    return null;
  const source: CacheSource = { workflowId: s.workflow_id, task: s.task, attempt: s.attempt };
  return { key, createdAt: doc.created_at, source, output: doc.output ?? null };
}

export class BlobTaskCacheStore implements TaskCacheStore {
  private ready: Promise<void> | null = null;

  constructor(private readonly bucket: BlobBucket) {}

  /** The container is created on first write (most prefixes never cache anything). */
  private ensure(): Promise<void> {
    this.ready ??= this.bucket.ensure().catch((err: unknown) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }

  async get(key: string): Promise<TaskCacheEntry | null> {
    if (!KEY.test(key)) return null;
    const blob = await this.bucket.read(`${PREFIX}${key}.json`).catch(missingContainer);
    return blob ? decodeEntry(blob.bytes, key) : null;
  }

  async put(e: TaskCacheEntry): Promise<void> {
    if (!KEY.test(e.key)) throw new RangeError(`invalid cache key ${e.key}`);
    await this.ensure();
    const doc: EntryDoc = {
      v: 1,
      key: e.key,
      created_at: e.createdAt,
      source: { workflow_id: e.source.workflowId, task: e.source.task, attempt: e.source.attempt },
      output: e.output,
    };
    await this.bucket.write(`${PREFIX}${e.key}.json`, Buffer.from(JSON.stringify(doc), 'utf8'));
  }

  async list(): Promise<TaskCacheEntry[]> {
    const names = await this.bucket.list(PREFIX).catch((err: unknown) => {
      if (isMissingContainer(err)) return [] as string[];
      throw err;
    });
    const keys = names
      .map((n) => n.slice(PREFIX.length).replace(/\.json$/, ''))
      .filter((k) => KEY.test(k))
      .sort();
    const entries = await mapBounded(keys, 16, (k) => this.get(k));
    return entries.filter((e): e is TaskCacheEntry => e !== null);
  }

  async delete(key: string): Promise<boolean> {
    if (!KEY.test(key)) return false;
    return this.bucket.delete(`${PREFIX}${key}.json`).catch((err: unknown) => {
      if (isMissingContainer(err)) return false;
      throw err;
    });
  }
}

/** A container that was never created reads as empty (nothing was ever cached). */
function isMissingContainer(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string; message?: string } | null;
  return (
    e?.statusCode === 404 ||
    e?.code === 'ContainerNotFound' ||
    /container .* does not exist|ContainerNotFound/i.test(e?.message ?? '')
  );
}

function missingContainer(err: unknown): null {
  if (isMissingContainer(err)) return null;
  throw err;
}
