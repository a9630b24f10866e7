/**
 * The blob primitive the state and output stores are built on: one container, ETag conditions, streams.
 * Azure (`azure/blob-bucket.ts`) and memory (`memory/blob-bucket.ts`) implement it, so the store logic
 * (formats, legacy fallback, thresholds, md5 checks) is written once and tested against both.
 */
import type { Readable } from 'node:stream';

export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string } | undefined;

/** A conditional write lost: the blob exists (create-only) or its ETag changed (If-Match). */
export class BlobConditionError extends Error {
  constructor(
    readonly kind: 'exists' | 'mismatch',
    readonly blobName: string,
  ) {
    super(kind === 'exists' ? `blob ${blobName} already exists` : `blob ${blobName} etag mismatch`);
    this.name = 'BlobConditionError';
  }
}

export interface BlobRead {
  bytes: Buffer;
  etag: string;
}

export interface BlobBucket {
  /** Container name, for messages. */
  readonly container: string;
  /** Where it lives, for messages (account endpoint, no secrets). */
  readonly endpoint: string;
  ensure(): Promise<void>;
  /** Delete the container (no-op when missing). */
  drop(): Promise<void>;
  /** null when the blob does not exist. */
  read(name: string): Promise<BlobRead | null>;
  /** The blob's ETag without its content (one HEAD request); null when it does not exist. */
  etag(name: string): Promise<string | null>;
  /** Upload; a failed condition throws BlobConditionError. Returns the new ETag. */
  write(name: string, bytes: Buffer, condition?: WriteCondition): Promise<string>;
  /** True if it existed. */
  delete(name: string): Promise<boolean>;
  /** Blob names, optionally under a prefix. */
  list(prefix?: string): Promise<string[]>;
  /** Upload a stream (overwrite). */
  writeStream(name: string, body: Readable): Promise<void>;
  /** Stream a blob's content; null when missing. */
  readStream(name: string): Promise<Readable | null>;
}
