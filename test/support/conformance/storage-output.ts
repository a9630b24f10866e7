/** OutputStore conformance: inline/blob threshold, fetch, file stash with md5/size verification. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { OUTPUT_INLINE_THRESHOLD, type OutputStore } from '../../../src/ports/output-store.js';
import type { BlobBucket } from '../../../src/adapters/blob-bucket.js';
import { isJobqError } from '../../../src/errors.js';

export interface OutputStoreHarness {
  outputs: OutputStore;
  /** Raw access to the outputs container and the file-output container. */
  rawOutputs: BlobBucket;
  rawFiles: BlobBucket;
  /** An OutputStore whose outputs container cannot be written (upload failure). */
  broken: OutputStore;
}

/** JSON text of exactly `bytes` UTF-8 bytes (a string with a multi-byte char to count bytes, not chars). */
export function jsonOfBytes(bytes: number): string {
  const base = JSON.stringify({ s: 'é' });
  const text = JSON.stringify({ s: 'é' + 'x'.repeat(bytes - Buffer.byteLength(base)) });
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

export function outputStoreConformance(adapter: string, open: () => Promise<OutputStoreHarness>): void {
  describe(`OutputStore conformance (${adapter})`, () => {
    let h: OutputStoreHarness;
    let dir: string;
    beforeAll(async () => {
      h = await open();
      await h.outputs.ensureResources();
      dir = mkdtempSync(join(tmpdir(), 'jobq-stash-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('keeps an output of exactly 32 KiB (UTF-8 bytes) inline', async () => {
      const text = jsonOfBytes(OUTPUT_INLINE_THRESHOLD);
      const ref = await h.outputs.putOutput('wf-o', 'exact', text);
      expect(ref).toBe(text);
      expect(await h.outputs.fetchOutput(ref)).toEqual(JSON.parse(text));
      expect(await h.rawOutputs.read('wf-o/exact.json')).toBeNull();
    });

    it('moves an output of 32 KiB + 1 byte to blob:<wf>/<task>.json', async () => {
      const text = jsonOfBytes(OUTPUT_INLINE_THRESHOLD + 1);
      const ref = await h.outputs.putOutput('wf-o', 'big', text);
      expect(ref).toBe('blob:wf-o/big.json');
      expect((await h.rawOutputs.read('wf-o/big.json'))!.bytes.toString('utf8')).toBe(text);
      expect(await h.outputs.fetchOutput(ref)).toEqual(JSON.parse(text));
      // Legacy refs carried an md5 suffix.
      const md5 = createHash('md5').update(text).digest('hex');
      expect(await h.outputs.fetchOutput(`${ref}:${md5}`)).toEqual(JSON.parse(text));
    });

    it('a failed upload is an OutputUploadError, never a silent drop', async () => {
      const err = await h.broken
        .putOutput('wf-o', 'lost', jsonOfBytes(OUTPUT_INLINE_THRESHOLD + 10))
        .catch((e: unknown) => e);
      expect(isJobqError(err, 'OutputUploadError')).toBe(true);
      expect((err as Error).message).toContain('wf-o/lost');
    });

    it('a missing output blob is an OutputFetchError', async () => {
      const err = await h.outputs.fetchOutput('blob:wf-o/nothing.json').catch((e: unknown) => e);
      expect(isJobqError(err, 'OutputFetchError')).toBe(true);
    });

    it('deletes every output blob of a workflow', async () => {
      await h.outputs.putOutput('wf-d', 'a', jsonOfBytes(OUTPUT_INLINE_THRESHOLD + 1));
      await h.outputs.putOutput('wf-d', 'nested/b', jsonOfBytes(OUTPUT_INLINE_THRESHOLD + 2));
      await h.outputs.putOutput('wf-dx', 'a', jsonOfBytes(OUTPUT_INLINE_THRESHOLD + 1));
      await h.outputs.deleteOutputs('wf-d');
      expect(await h.rawOutputs.list('wf-d/')).toEqual([]);
      expect(await h.rawOutputs.list('wf-dx/')).toEqual(['wf-dx/a.json']);
    });

    it('stashes a file with md5 and size, and downloads it verified', async () => {
      const src = join(dir, 'model.bin');
      const content = Buffer.alloc(300_000, 7);
      content.write('header');
      writeFileSync(src, content);
      const stashed = await h.outputs.uploadFile('wf-f', 'train', src, 'model.bin');
      expect(stashed).toEqual({
        blob_name: 'workflow-files/wf-f/train/model.bin',
        md5: createHash('md5').update(content).digest('hex'),
        size: content.length,
      });
      const dest = join(dir, 'copy.bin');
      await h.outputs.downloadFile(stashed, dest);
      expect(readFileSync(dest).equals(content)).toBe(true);
      expect((await h.outputs.readFile(stashed)).equals(content)).toBe(true);
    });

    it('detects an md5 or size mismatch and deletes the partial download', async () => {
      const src = join(dir, 'data.txt');
      writeFileSync(src, 'original content');
      const stashed = await h.outputs.uploadFile('wf-f', 'prep', src, 'data.txt');
      await h.rawFiles.write(stashed.blob_name, Buffer.from('tampered content'));
      const dest = join(dir, 'data-copy.txt');
      const err = await h.outputs.downloadFile(stashed, dest).catch((e: unknown) => e);
      expect(isJobqError(err, 'OutputFetchError')).toBe(true);
      expect((err as Error).message).toMatch(/corrupt.*md5/);
      expect(existsSync(dest)).toBe(false);
      await expect(h.outputs.readFile({ ...stashed, size: stashed.size + 1 })).rejects.toThrow(/corrupt/);
    });

    it('refuses to stash a missing local file', async () => {
      const err = await h.outputs
        .uploadFile('wf-f', 'x', join(dir, 'absent.bin'), 'absent.bin')
        .catch((e: unknown) => e);
      expect(isJobqError(err, 'OutputUploadError')).toBe(true);
      expect((err as Error).message).toContain('absent.bin');
    });
  });
}
