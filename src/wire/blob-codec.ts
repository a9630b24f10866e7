/** Blob encoding of reference §4.2: UTF-8 JSON, gzip level 1 on write; gzip detected by magic bytes on read. */
import { gzipSync, gunzipSync, constants } from 'node:zlib';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** Error raised for bytes that are neither gzip JSON nor plain JSON. */
export class BlobDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlobDecodeError';
  }
}

/** True if `bytes` starts with the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1;
}

/** Encode a document as gzip (level 1) UTF-8 JSON, the format every jobq and ai4s-jobq blob uses. */
export function encodeDoc(doc: object): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(doc), 'utf8'), { level: constants.Z_BEST_SPEED });
}

/**
 * Decode a blob: gunzip when it starts with `1f 8b`, else parse as plain JSON (older writers).
 * Throws BlobDecodeError with a short description on corrupt gzip or invalid JSON.
 */
export function decodeDoc(bytes: Buffer, what = 'blob'): unknown {
  let text: string;
  if (isGzip(bytes)) {
    try {
      text = gunzipSync(bytes).toString('utf8');
    } catch (err) {
      throw new BlobDecodeError(`${what} is not valid gzip: ${(err as Error).message}`, { cause: err });
    }
  } else {
    text = bytes.toString('utf8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const head = text.slice(0, 40).replace(/[^\x20-\x7e]/g, '?');
    throw new BlobDecodeError(
      `${what} is neither gzip nor JSON (starts with '${head}'): ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
