/**
 * Incremental encoder of one workflow's state blob (gzip JSON v1, level 1): the document's chunks are
 * deflated as separate segments and a chunk whose text did not change (same version) reuses its
 * segment, so a flush compresses only what changed. Readers see one ordinary gzip member.
 */
import { deflateSegment, gzipOfSegments, storedSegment, type GzipSegment } from './gzip-segments.js';

/** One chunk's text is `version`-stamped: equal versions mean equal text, across every writer. */
export interface StateTextChunk {
  readonly version: number;
  /** `"name":{…}` entries joined by ',', with a leading ',' when `leadingComma`; '' when none. */
  text(leadingComma: boolean): string;
  readonly empty: boolean;
}

/** A state document as text: head, the tasks' entries in versioned chunks, tail (written by `engine/state-text.ts`). */
export interface StateDocText {
  /** Everything before the tasks' entries (ends with `"tasks":{`). */
  head: string;
  chunks: readonly StateTextChunk[];
  /** Everything after them (starts with `}`). */
  tail: string;
}

export class StateBlobEncoder {
  /** Per chunk: the version and leading-comma form it was deflated for. */
  private readonly cache = new Map<number, { key: string; segment: GzipSegment }>();

  /** The blob bytes of `doc`. */
  encode(doc: StateDocText): Buffer {
    const segments: GzipSegment[] = [storedSegment(Buffer.from(doc.head, 'utf8'))];
    let any = false;
    doc.chunks.forEach((c, k) => {
      if (c.empty) return;
      const leading = any;
      any = true;
      const key = `${c.version}${leading ? ',' : ''}`;
      let hit = this.cache.get(k);
      if (!hit || hit.key !== key) {
        hit = { key, segment: deflateSegment(Buffer.from(c.text(leading), 'utf8')) };
        this.cache.set(k, hit);
      }
      segments.push(hit.segment);
    });
    segments.push(storedSegment(Buffer.from(doc.tail, 'utf8'), true));
    return gzipOfSegments(segments);
  }
}
