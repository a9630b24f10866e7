/** TaskLogStore conformance: round trip, attempts per task, overwrite, no collision with outputs, delete. */
import { describe, it, expect, beforeAll } from 'vitest';
import type { TaskLogStore } from '../../../src/ports/task-log-store.js';
import type { OutputStore } from '../../../src/ports/output-store.js';
import type { BlobBucket } from '../../../src/adapters/blob-bucket.js';
import type { TaskLogDoc } from '../../../src/wire/task-log.js';
import { isJobqError } from '../../../src/errors.js';

export interface TaskLogStoreHarness {
  logs: TaskLogStore;
  /** The output store of the same prefix (logs live beside the outputs). */
  outputs: OutputStore;
  /** Raw access to the outputs container. */
  raw: BlobBucket;
}

/** A log document with `lines` lines of text. */
export function logDoc(
  workflowId: string,
  task: string,
  attempt: number,
  over: Partial<TaskLogDoc> = {},
): TaskLogDoc {
  return {
    v: 1,
    workflow_id: workflowId,
    task,
    attempt,
    state: 'final',
    worker: 'host-1-abc',
    started_at: '2026-12-01T20:00:00.000Z',
    updated_at: '2026-12-01T20:00:05.000Z',
    ended_at: '2026-12-01T20:00:05.000Z',
    exit_code: 0,
    signal: null,
    success: true,
    error: null,
    dropped_lines: 0,
    dropped_bytes: 0,
    max_bytes: 1024 * 1024,
    refresh_s: 10,
    lines: [
      { t: 1764619200000, stream: 'stdout', text: `hello from ${task} attempt ${attempt}` },
      { t: 1764619201000, stream: 'stderr', text: 'ünïcödé ✓ and "quotes"\ttab' },
      { t: 1764619202000, stream: 'jobq', text: 'a note' },
    ],
    ...over,
  };
}

export function taskLogStoreConformance(adapter: string, open: () => Promise<TaskLogStoreHarness>): void {
  describe(`TaskLogStore conformance (${adapter})`, () => {
    let h: TaskLogStoreHarness;
    beforeAll(async () => {
      h = await open();
      await h.logs.ensureResources();
      await h.outputs.ensureResources();
    });

    it('reads back exactly what was written, header and lines', async () => {
      const doc = logDoc('wf-l', 'prep/a', 1, {
        success: false,
        exit_code: 3,
        error: 'task command exited with code 3',
      });
      await h.logs.write(doc);
      expect(await h.logs.read('wf-l', 'prep/a', 1)).toEqual(doc);
    });

    it('answers null for an attempt that has no log', async () => {
      expect(await h.logs.read('wf-l', 'prep/a', 2)).toBeNull();
      expect(await h.logs.read('wf-none', 'x', 1)).toBeNull();
      expect(await h.logs.attempts('wf-none', 'x')).toEqual([]);
    });

    it('lists the attempts of one task only, in numeric order', async () => {
      for (const n of [2, 10, 1]) await h.logs.write(logDoc('wf-att', 'a', n));
      await h.logs.write(logDoc('wf-att', 'a/b', 7));
      await h.logs.write(logDoc('wf-att', 'ab', 5));
      expect(await h.logs.attempts('wf-att', 'a')).toEqual([1, 2, 10]);
      expect(await h.logs.attempts('wf-att', 'a/b')).toEqual([7]);
      expect(await h.logs.attempts('wf-att', 'ab')).toEqual([5]);
    });

    it('a refresh is replaced by the final log of the same attempt', async () => {
      await h.logs.write(
        logDoc('wf-r', 't', 1, { state: 'running', ended_at: null, success: null, exit_code: null }),
      );
      expect((await h.logs.read('wf-r', 't', 1))!.state).toBe('running');
      await h.logs.write(logDoc('wf-r', 't', 1));
      const got = (await h.logs.read('wf-r', 't', 1))!;
      expect(got.state).toBe('final');
      expect(got.success).toBe(true);
    });

    it('lives beside a blob output of the same task without touching it', async () => {
      const big = JSON.stringify({ s: 'x'.repeat(40_000) });
      const ref = await h.outputs.putOutput('wf-c', 'a', big);
      await h.logs.write(logDoc('wf-c', 'a', 1));
      expect(await h.outputs.fetchOutput(ref)).toEqual(JSON.parse(big));
      expect((await h.logs.read('wf-c', 'a', 1))!.lines[0].text).toContain('hello from a');
      expect(await h.raw.list('wf-c/')).toEqual(['wf-c/__jobq_logs/a/attempt-1.log.gz', 'wf-c/a.json']);
    });

    it('deleteLogs removes every log of one workflow and nothing else', async () => {
      await h.logs.write(logDoc('wf-d', 'a', 1));
      await h.logs.write(logDoc('wf-d', 'b/c', 2));
      await h.logs.write(logDoc('wf-d2', 'a', 1));
      const big = JSON.stringify({ s: 'y'.repeat(40_000) });
      await h.outputs.putOutput('wf-d', 'a', big);
      expect(await h.logs.deleteLogs('wf-d')).toBe(2);
      expect(await h.logs.attempts('wf-d', 'a')).toEqual([]);
      expect(await h.logs.read('wf-d', 'b/c', 2)).toBeNull();
      expect(await h.logs.read('wf-d2', 'a', 1)).not.toBeNull();
      expect(await h.raw.list('wf-d/')).toEqual(['wf-d/a.json']);
    });

    it("a workflow's output deletion (purge) takes its logs too", async () => {
      await h.logs.write(logDoc('wf-p', 'a', 1));
      await h.outputs.deleteOutputs('wf-p');
      expect(await h.logs.read('wf-p', 'a', 1)).toBeNull();
    });

    it('a blob that is not a log is a one-line OutputFetchError', async () => {
      await h.raw.write('wf-bad/__jobq_logs/t/attempt-1.log.gz', Buffer.from('not gzip'));
      const err = await h.logs.read('wf-bad', 't', 1).catch((e: unknown) => e);
      expect(isJobqError(err, 'OutputFetchError')).toBe(true);
      expect((err as Error).message).toMatch(/attempt-1\.log\.gz is not a jobq task log: not gzip/);
      expect((err as Error).message).not.toContain('\n');
    });
  });
}
