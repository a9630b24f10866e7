import { describe, it, expect } from 'vitest';
import {
  BlobStash,
  StashMarkerError,
  decodeStashMarkers,
  isStashMarker,
  pendingMarker,
  readyMarker,
  walkPendingMarkers,
} from '../../../src/wire/stash.js';

const file = { blob_name: 'workflow-files/wf/t/model.bin', md5: 'a'.repeat(32), size: 12 };

describe('__jobq_stash__ markers', () => {
  it('recognises only objects whose single key is the marker key', () => {
    expect(isStashMarker(pendingMarker('/tmp/x', 'x'))).toBe(true);
    expect(isStashMarker({ __jobq_stash__: {}, other: 1 })).toBe(false);
    expect(isStashMarker([pendingMarker('/tmp/x', 'x')])).toBe(false);
  });

  it('finds pending markers anywhere (including the top level) and rewrites them in place to ready markers', () => {
    const output = {
      model: pendingMarker('/tmp/m.bin', 'm.bin'),
      list: [1, { f: pendingMarker('/tmp/a', 'a') }],
    };
    const slots = walkPendingMarkers(output);
    expect(slots.map((s) => s.marker.filename)).toEqual(['m.bin', 'a']);
    slots.forEach((s) => s.resolve(file));
    expect(output.model).toEqual(readyMarker(file));
    expect(walkPendingMarkers(output)).toEqual([]);
    const top = pendingMarker('/tmp/t', 't');
    walkPendingMarkers(top)[0].resolve(file);
    expect(top).toEqual(readyMarker(file));
  });

  it('decodes ready markers into BlobStash objects that serialise back to the marker', () => {
    const decoded = decodeStashMarkers(JSON.parse(JSON.stringify({ out: [readyMarker(file)], n: 1 }))) as {
      out: BlobStash[];
      n: number;
    };
    expect(decoded.out[0]).toBeInstanceOf(BlobStash);
    expect({ ...decoded.out[0] }).toEqual(file);
    expect(decoded.n).toBe(1);
    expect(JSON.parse(JSON.stringify(decoded.out[0]))).toEqual(readyMarker(file));
  });

  it('refuses a pending marker leaked downstream, an unknown version and an unknown state', () => {
    expect(() => decodeStashMarkers({ x: pendingMarker('/tmp/a', 'a.txt') })).toThrow(
      /pending __jobq_stash__ marker leaked downstream.*a\.txt/,
    );
    expect(() =>
      decodeStashMarkers({ __jobq_stash__: { ...readyMarker(file).__jobq_stash__, v: 2 } }),
    ).toThrow(StashMarkerError);
    expect(() => decodeStashMarkers({ __jobq_stash__: { v: 1, state: 'uploading' } })).toThrow(
      /unknown __jobq_stash__ state/,
    );
    expect(() => decodeStashMarkers({ __jobq_stash__: { v: 1, state: 'ready', blob_name: 'x' } })).toThrow(
      /needs blob_name, md5 and size/,
    );
  });
});
