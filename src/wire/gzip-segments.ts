/**
 * A gzip member assembled from independently deflated segments (RFC 1951/1952): each segment is a
 * raw deflate stream ended by a sync flush (byte-aligned, not final), so segments compressed at
 * different times concatenate into one valid stream; the CRC-32 of the whole is combined from the
 * segments' CRCs without reading their bytes again. Any gzip reader (Python's gzip, zlib) reads it.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** One compressed piece of the document, with what the trailer needs to know of its plain bytes. */
export interface GzipSegment {
  deflated: Buffer;
  crc: number;
  /** Plain (uncompressed) length in bytes. */
  length: number;
}

/** zlib's window bounds for raw deflate (8 is refused for raw streams). */
const MIN_WINDOW_BITS = 9;
const MAX_WINDOW_BITS = 15;

/** zlib never matches farther back than its window less this look-ahead (MIN_LOOKAHEAD). */
const WINDOW_LOOKAHEAD = 262;

/**
 * The smallest window whose reach spans all of `length` bytes: deflate then finds every match the
 * 32 KiB window would (the same output), and zlib sets up and clears far less memory per call —
 * about half the time of a state chunk's deflate (a few KiB each, several per flush).
 */
export function windowBitsFor(length: number): number {
  let bits = MIN_WINDOW_BITS;
  while (bits < MAX_WINDOW_BITS && (1 << bits) - WINDOW_LOOKAHEAD < length) bits++;
  return bits;
}

/** Deflate `plain` (level 1, the level of every jobq blob) as a non-final, byte-aligned segment. */
export function deflateSegment(plain: Buffer): GzipSegment {
  const deflated = deflateRawSync(plain, {
    level: constants.Z_BEST_SPEED,
    finishFlush: constants.Z_SYNC_FLUSH,
    windowBits: windowBitsFor(plain.length),
  });
  return { deflated, crc: crc32(plain), length: plain.length };
}

const MAX_STORED = 65_535;

/** `plain` as stored (uncompressed) deflate blocks: for short pieces, where zlib's set-up costs more. */
export function storedSegment(plain: Buffer, final = false): GzipSegment {
  const parts: Buffer[] = [];
  let at = 0;
  do {
    const n = Math.min(MAX_STORED, plain.length - at);
    const last = final && at + n >= plain.length;
    const head = Buffer.alloc(5);
    head[0] = last ? 1 : 0;
    head.writeUInt16LE(n, 1);
    head.writeUInt16LE(~n & 0xffff, 3);
    parts.push(head, plain.subarray(at, at + n));
    at += n;
  } while (at < plain.length);
  return { deflated: Buffer.concat(parts), crc: crc32(plain), length: plain.length };
}

const POLY = 0xedb88320;

/** a × b modulo the CRC-32 polynomial (reflected bit order), as zlib's multmodp. */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^n) mod P for n = 0…31. */
const X2N = (() => {
  const t = new Uint32Array(32);
  let p = 1 << 30; // x^1
  t[0] = p;
  for (let n = 1; n < 32; n++) t[n] = p = multModP(p, p);
  return t;
})();

/** x^(8 × len) mod P: the operator that shifts a CRC past `len` bytes. */
function shiftOperator(len: number): number {
  let p = 0x80000000; // x^0
  let k = 3;
  while (len > 0) {
    if (len % 2 === 1) p = multModP(X2N[k & 31], p);
    len = Math.floor(len / 2);
    k++;
  }
  return p;
}

/** CRC-32 of A‖B from crc(A), crc(B) and |B| (zlib's crc32_combine). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB === 0) return crcA >>> 0;
  return (multModP(shiftOperator(lengthB), crcA >>> 0) ^ crcB) >>> 0;
}

/** The gzip header jobq writes: deflate, no name, no mtime, "fastest" flag, OS unknown. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff]);

/** One gzip member of the segments in order; the last one must end with a final block. */
export function gzipOfSegments(segments: readonly GzipSegment[]): Buffer {
  let crc = 0;
  let length = 0;
  const parts: Buffer[] = [GZIP_HEADER];
  for (const s of segments) {
    crc = crc32Combine(crc, s.crc, s.length);
    length += s.length;
    parts.push(s.deflated);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 0x100000000, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}
