/** In-process BlobBucket: stores encoded bytes (so sizes are real) and simulates ETags, 409 and 412. */
import { Readable } from 'node:stream';
import { BlobConditionError, type BlobBucket, type BlobRead, type WriteCondition } from '../blob-bucket.js';
import type { MemoryBlob, MemoryBlobService } from './world.js';

export class MemoryBlobBucket implements BlobBucket {
  readonly endpoint = 'memory';
  constructor(
    private readonly service: MemoryBlobService,
    readonly container: string,
  ) {}

  private blobs(): Map<string, MemoryBlob> | undefined {
    return this.service.containers.get(this.container);
  }

  private requireBlobs(): Map<string, MemoryBlob> {
    const c = this.blobs();
    if (!c) throw new Error(`memory container ${this.container} does not exist (call ensureResources first)`);
    return c;
  }

  async ensure(): Promise<void> {
    if (!this.service.containers.has(this.container)) this.service.containers.set(this.container, new Map());
  }

  async drop(): Promise<void> {
    this.service.containers.delete(this.container);
  }

  async read(name: string): Promise<BlobRead | null> {
    const b = this.blobs()?.get(name);
    return b ? { bytes: Buffer.from(b.bytes), etag: b.etag } : null;
  }

  async etag(name: string): Promise<string | null> {
    return this.blobs()?.get(name)?.etag ?? null;
  }

  async write(name: string, bytes: Buffer, condition?: WriteCondition): Promise<string> {
    const c = this.requireBlobs();
    const cur = c.get(name);
    if (condition && 'ifNoneMatch' in condition && cur) throw new BlobConditionError('exists', name);
    if (condition && 'ifMatch' in condition && cur?.etag !== condition.ifMatch)
      throw new BlobConditionError('mismatch', name);
    const etag = this.service.nextEtag();
    c.set(name, { bytes: Buffer.from(bytes), etag, metadata: cur?.metadata ?? {} });
    return etag;
  }

  async delete(name: string): Promise<boolean> {
    return this.blobs()?.delete(name) ?? false;
  }

  async list(prefix = ''): Promise<string[]> {
    return [...(this.blobs()?.keys() ?? [])].filter((n) => n.startsWith(prefix)).sort();
  }

  async writeStream(name: string, body: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    await this.write(name, Buffer.concat(chunks));
  }

  async readStream(name: string): Promise<Readable | null> {
    const b = this.blobs()?.get(name);
    return b ? Readable.from([Buffer.from(b.bytes)]) : null;
  }
}
