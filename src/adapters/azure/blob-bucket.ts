/** BlobBucket over one Azure Blob container; SDK errors translated at this boundary. */
import type { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import { BlobConditionError, type BlobBucket, type BlobRead, type WriteCondition } from '../blob-bucket.js';
import { errorCodeOf, guarded, is404, is409, is412 } from './errors.js';

const OCTET = { blobContentType: 'application/octet-stream' };
const STREAM_BUFFER = 4 * 1024 * 1024;
const STREAM_CONCURRENCY = 4;

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class AzureBlobBucket implements BlobBucket {
  readonly container: string;
  constructor(
    private readonly client: ContainerClient,
    readonly endpoint: string,
  ) {
    this.container = client.containerName;
  }

  async ensure(): Promise<void> {
    // Azure refuses to recreate a container while a delete is in progress (409 ContainerBeingDeleted).
    for (let attempt = 0; ; attempt++) {
      try {
        await guarded(this.endpoint, `create container ${this.container}`, () =>
          this.client.createIfNotExists(),
        );
        return;
      } catch (err) {
        if (errorCodeOf(err) !== 'ContainerBeingDeleted' || attempt >= 30) throw err;
        await sleep(1_000);
      }
    }
  }

  async drop(): Promise<void> {
    await guarded(this.endpoint, `delete container ${this.container}`, () => this.client.deleteIfExists());
  }

  async read(name: string): Promise<BlobRead | null> {
    return guarded(this.endpoint, `read ${this.container}/${name}`, async () => {
      try {
        const res = await this.client.getBlobClient(name).download();
        return { bytes: await streamToBuffer(res.readableStreamBody!), etag: res.etag! };
      } catch (err) {
        if (is404(err)) return null;
        throw err;
      }
    });
  }

  async etag(name: string): Promise<string | null> {
    return guarded(this.endpoint, `read properties of ${this.container}/${name}`, async () => {
      try {
        return (await this.client.getBlobClient(name).getProperties()).etag ?? null;
      } catch (err) {
        if (is404(err)) return null;
        throw err;
      }
    });
  }

  async write(name: string, bytes: Buffer, condition?: WriteCondition): Promise<string> {
    const res = await guarded(
      this.endpoint,
      `write ${this.container}/${name}`,
      () =>
        this.client
          .getBlockBlobClient(name)
          .upload(bytes, bytes.length, { conditions: condition, blobHTTPHeaders: OCTET }),
      (err) => {
        // Create-only on an existing blob answers 409 BlobAlreadyExists (some paths 412); If-Match → 412.
        if (condition && 'ifNoneMatch' in condition && (is409(err) || is412(err)))
          return new BlobConditionError('exists', name);
        // If-Match on a blob that is gone answers 412 (Azurite) or 404.
        if (condition && 'ifMatch' in condition && (is412(err) || is404(err)))
          return new BlobConditionError('mismatch', name);
        return undefined;
      },
    );
    return res.etag!;
  }

  async delete(name: string): Promise<boolean> {
    const res = await guarded(this.endpoint, `delete ${this.container}/${name}`, async () => {
      try {
        return await this.client.getBlobClient(name).deleteIfExists({ deleteSnapshots: 'include' });
      } catch (err) {
        if (is404(err)) return { succeeded: false };
        throw err;
      }
    });
    return res.succeeded;
  }

  async list(prefix?: string): Promise<string[]> {
    return guarded(this.endpoint, `list ${this.container}`, async () => {
      const names: string[] = [];
      try {
        for await (const item of this.client.listBlobsFlat({ prefix })) names.push(item.name);
      } catch (err) {
        if (is404(err)) return [];
        throw err;
      }
      return names;
    });
  }

  async writeStream(name: string, body: Readable): Promise<void> {
    await guarded(this.endpoint, `upload ${this.container}/${name}`, () =>
      this.client
        .getBlockBlobClient(name)
        .uploadStream(body, STREAM_BUFFER, STREAM_CONCURRENCY, { blobHTTPHeaders: OCTET }),
    );
  }

  async readStream(name: string): Promise<Readable | null> {
    return guarded(this.endpoint, `download ${this.container}/${name}`, async () => {
      try {
        const res = await this.client.getBlobClient(name).download();
        return res.readableStreamBody as Readable;
      } catch (err) {
        if (is404(err)) return null;
        throw err;
      }
    });
  }
}
