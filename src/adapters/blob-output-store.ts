/**
 * OutputStore over two BlobBuckets (reference §4.5–4.6): large JSON outputs in `<prefix>-outputs`, file
 * stashes in the file-output container. Shared by the Azure and memory adapters.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  OUTPUT_INLINE_THRESHOLD,
  type OutputPreview,
  type OutputStore,
  type StashedFile,
} from '../ports/output-store.js';
import { OutputFetchError, OutputUploadError, isJobqError } from '../errors.js';
import { canonicalOutputRef, outputBlobName, stashBlobName } from './names.js';
import type { BlobBucket } from './blob-bucket.js';

/** Legacy refs carried an md5 suffix: `blob:<name>:<32 hex>`. */
const LEGACY_MD5_SUFFIX = /:[0-9a-f]{32}$/i;

/** Counts bytes and md5 of a stream as it passes through. */
function digestingTap(): { tap: Transform; result: () => { md5: string; size: number } } {
  const hash = createHash('md5');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { tap, result: () => ({ md5: hash.digest('hex'), size }) };
}

/** The first `max` bytes of `bytes` as text, without a split character at the end. */
function cutUtf8(bytes: Buffer, max: number): { text: string; truncated: boolean } {
  if (bytes.length <= max) return { text: bytes.toString('utf8'), truncated: false };
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // back up to a character boundary
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

export class BlobOutputStore implements OutputStore {
  private filesReady: Promise<void> | null = null;

  constructor(
    private readonly outputs: BlobBucket,
    private readonly files: BlobBucket,
  ) {}

  ensureResources(): Promise<void> {
    return this.outputs.ensure();
  }

  async putOutput(workflowId: string, task: string, json: string): Promise<string> {
    if (Buffer.byteLength(json, 'utf8') <= OUTPUT_INLINE_THRESHOLD) return json;
    const name = outputBlobName(workflowId, task);
    try {
      await this.outputs.write(name, Buffer.from(json, 'utf8'));
    } catch (err) {
      throw new OutputUploadError(
        `could not store the output of ${workflowId}/${task} (${Buffer.byteLength(json)} bytes) in ` +
          `${this.outputs.container}/${name}: ${messageOf(err)}`,
        { cause: err },
      );
    }
    return canonicalOutputRef(workflowId, task);
  }

  async fetchOutput(ref: string): Promise<unknown> {
    if (!ref.startsWith('blob:')) {
      try {
        return JSON.parse(ref);
      } catch (err) {
        throw new OutputFetchError(`inline output is not valid JSON: ${messageOf(err)}`, { cause: err });
      }
    }
    const name = ref.slice('blob:'.length).replace(LEGACY_MD5_SUFFIX, '');
    const blob = await this.outputs.read(name);
    if (!blob) throw new OutputFetchError(`output blob ${this.outputs.container}/${name} does not exist`);
    try {
      return JSON.parse(blob.bytes.toString('utf8'));
    } catch (err) {
      throw new OutputFetchError(
        `output blob ${this.outputs.container}/${name} is not valid JSON: ${messageOf(err)}`,
      );
    }
  }

  async previewOutput(ref: string, maxBytes: number): Promise<OutputPreview> {
    if (!ref.startsWith('blob:')) {
      const bytes = Buffer.byteLength(ref, 'utf8');
      return { ...cutUtf8(Buffer.from(ref, 'utf8'), maxBytes), bytes, source: 'inline' };
    }
    const name = ref.slice('blob:'.length).replace(LEGACY_MD5_SUFFIX, '');
    const stream = await this.outputs.readStream(name);
    if (!stream) throw new OutputFetchError(`output blob ${this.outputs.container}/${name} does not exist`);
    const chunks: Buffer[] = [];
    let held = 0;
    let truncated = false;
    for await (const chunk of stream) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      chunks.push(b);
      held += b.length;
      if (held > maxBytes) {
        truncated = true;
        break; // leaving the loop destroys the stream: the rest is never downloaded
      }
    }
    const cut = cutUtf8(Buffer.concat(chunks), maxBytes);
    return { text: cut.text, truncated, bytes: truncated ? null : held, source: name };
  }

  async deleteOutputs(workflowId: string): Promise<void> {
    const names = await this.outputs.list(`${workflowId}/`);
    await Promise.all(names.map((n) => this.outputs.delete(n).catch(() => false)));
  }

  async uploadFile(
    workflowId: string,
    task: string,
    localPath: string,
    filename: string,
  ): Promise<StashedFile> {
    const blobName = stashBlobName(workflowId, task, filename);
    try {
      await stat(localPath);
    } catch (err) {
      throw new OutputUploadError(
        `file output '${localPath}' of ${workflowId}/${task} does not exist or is unreadable`,
        {
          cause: err,
        },
      );
    }
    try {
      this.filesReady ??= this.files.ensure();
      await this.filesReady;
      const { tap, result } = digestingTap();
      const source = createReadStream(localPath).pipe(tap);
      await this.files.writeStream(blobName, source);
      return { blob_name: blobName, ...result() };
    } catch (err) {
      this.filesReady = null;
      if (isJobqError(err, 'OutputUploadError')) throw err;
      throw new OutputUploadError(
        `could not upload '${localPath}' to ${this.files.container}/${blobName}: ${messageOf(err)}`,
        {
          cause: err,
        },
      );
    }
  }

  async downloadFile(file: StashedFile, destPath: string): Promise<void> {
    const source = await this.openStash(file);
    const { tap, result } = digestingTap();
    try {
      await pipeline(source, tap, createWriteStream(destPath));
      this.verify(file, result());
    } catch (err) {
      await unlink(destPath).catch(() => undefined);
      if (isJobqError(err)) throw err;
      throw new OutputFetchError(`could not download ${file.blob_name} to '${destPath}': ${messageOf(err)}`, {
        cause: err,
      });
    }
  }

  async readFile(file: StashedFile): Promise<Buffer> {
    const source = await this.openStash(file);
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(Buffer.from(chunk as Buffer));
    const bytes = Buffer.concat(chunks);
    this.verify(file, { md5: createHash('md5').update(bytes).digest('hex'), size: bytes.length });
    return bytes;
  }

  dropResources(): Promise<void> {
    // The file-output container may be shared by several prefixes (default jobq-workflow-data): kept.
    return this.outputs.drop();
  }

  private async openStash(file: StashedFile): Promise<Readable> {
    const source = await this.files.readStream(file.blob_name);
    if (!source)
      throw new OutputFetchError(`stashed file ${this.files.container}/${file.blob_name} does not exist`);
    return source;
  }

  private verify(file: StashedFile, got: { md5: string; size: number }): void {
    if (got.size !== file.size || got.md5.toLowerCase() !== file.md5.toLowerCase()) {
      throw new OutputFetchError(
        `stashed file ${file.blob_name} is corrupt: expected ${file.size} bytes md5 ${file.md5}, ` +
          `got ${got.size} bytes md5 ${got.md5}`,
      );
    }
  }
}
