/**
 * BlobBucket over one container with the lean client: the calls the state store, output store and
 * lease make (container create/delete, Get/Put/Delete Blob with ETag conditions, List Blobs) with the
 * translation of `azure/blob-bucket.ts`. Streams (file outputs, multi-block uploads) are rare and are
 * handed to the SDK bucket, loaded on first use.
 */
import type { Readable } from 'node:stream';
import type { AccountSpec } from '../../../config/types.js';
import {
  BlobConditionError,
  type BlobBucket,
  type BlobRead,
  type WriteCondition,
} from '../../blob-bucket.js';
import { errorCodeOf, guarded, is404, is409, is412 } from '../errors.js';
import type { RestCall, RestEndpoint, RestResult } from './http.js';
import { parseBlobList } from './xml.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Percent-encode a blob name for a URL path, keeping its '/' separators (as the SDK does). */
export function blobPath(container: string, name: string): string {
  return `/${container}/${encodeURIComponent(name).replace(/%2F/g, '/')}`;
}

/** The ETag header of an answer (every successful write has one). */
export function etagOf(res: RestResult): string {
  const e = res.headers.etag;
  if (typeof e !== 'string') throw new Error('storage answered a write without an ETag');
  return e;
}

const CONTAINER: [string, string][] = [['restype', 'container']];

export class RestBlobBucket implements BlobBucket {
  readonly endpoint: string;
  private sdk: Promise<BlobBucket> | null = null;

  constructor(
    private readonly http: RestEndpoint,
    readonly container: string,
    /** For the SDK bucket that streams are handed to. */
    private readonly account: AccountSpec,
  ) {
    this.endpoint = http.url;
  }

  private call(
    op: string,
    req: Omit<RestCall, 'op'>,
    rules?: (err: unknown) => Error | undefined,
  ): Promise<RestResult> {
    return guarded(this.endpoint, op, () => this.http.send({ op, ...req }), rules);
  }

  async ensure(): Promise<void> {
    // Azure refuses to recreate a container while a delete is in progress (409 ContainerBeingDeleted).
    for (let attempt = 0; ; attempt++) {
      try {
        await this.call(`create container ${this.container}`, {
          method: 'PUT',
          path: `/${this.container}`,
          query: CONTAINER,
        });
        return;
      } catch (err) {
        if (is409(err) && errorCodeOf(err) === 'ContainerAlreadyExists') return;
        if (errorCodeOf(err) !== 'ContainerBeingDeleted' || attempt >= 30) throw err;
        await sleep(1_000);
      }
    }
  }

  async drop(): Promise<void> {
    await this.call(`delete container ${this.container}`, {
      method: 'DELETE',
      path: `/${this.container}`,
      query: CONTAINER,
    }).catch((err: unknown) => {
      if (!is404(err)) throw err;
    });
  }

  async read(name: string): Promise<BlobRead | null> {
    try {
      const res = await this.call(`read ${this.container}/${name}`, {
        method: 'GET',
        path: blobPath(this.container, name),
      });
      return { bytes: res.body, etag: etagOf(res) };
    } catch (err) {
      if (is404(err)) return null;
      throw err;
    }
  }

  async etag(name: string): Promise<string | null> {
    try {
      const res = await this.call(`read properties of ${this.container}/${name}`, {
        method: 'HEAD',
        path: blobPath(this.container, name),
      });
      return etagOf(res);
    } catch (err) {
      if (is404(err)) return null;
      throw err;
    }
  }

  async write(name: string, bytes: Buffer, condition?: WriteCondition): Promise<string> {
    const headers: Record<string, string> = {
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-blob-content-type': 'application/octet-stream',
    };
    if (condition && 'ifMatch' in condition) headers['if-match'] = condition.ifMatch;
    if (condition && 'ifNoneMatch' in condition) headers['if-none-match'] = condition.ifNoneMatch;
    const res = await this.call(
      `write ${this.container}/${name}`,
      { method: 'PUT', path: blobPath(this.container, name), headers, body: bytes },
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
    return etagOf(res);
  }

  async delete(name: string): Promise<boolean> {
    try {
      await this.call(`delete ${this.container}/${name}`, {
        method: 'DELETE',
        path: blobPath(this.container, name),
        headers: { 'x-ms-delete-snapshots': 'include' },
      });
      return true;
    } catch (err) {
      if (is404(err)) return false;
      throw err;
    }
  }

  async list(prefix?: string): Promise<string[]> {
    const names: string[] = [];
    let marker = '';
    do {
      const query: [string, string][] = [...CONTAINER, ['comp', 'list']];
      if (prefix) query.push(['prefix', prefix]);
      if (marker) query.push(['marker', marker]);
      let page: { names: string[]; nextMarker: string };
      try {
        const res = await this.call(`list ${this.container}`, {
          method: 'GET',
          path: `/${this.container}`,
          query,
        });
        page = parseBlobList(res.body.toString('utf8'));
      } catch (err) {
        if (is404(err)) return [];
        throw err;
      }
      names.push(...page.names);
      marker = page.nextMarker;
    } while (marker);
    return names;
  }

  private sdkBucket(): Promise<BlobBucket> {
    this.sdk ??= (async () => {
      const [{ createBlobServiceClient, blobEndpoint }, { AzureBlobBucket }] = await Promise.all([
        import('../clients.js'),
        import('../blob-bucket.js'),
      ]);
      const client = createBlobServiceClient(this.account).getContainerClient(this.container);
      return new AzureBlobBucket(client, blobEndpoint(this.account));
    })();
    return this.sdk;
  }

  async writeStream(name: string, body: Readable): Promise<void> {
    await (await this.sdkBucket()).writeStream(name, body);
  }

  async readStream(name: string): Promise<Readable | null> {
    return (await this.sdkBucket()).readStream(name);
  }
}
