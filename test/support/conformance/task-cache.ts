/**
 * TaskCacheStore conformance (issue 19, memoized tasks): one suite for every adapter of the port, run
 * on a whole Backend so the coordinator's TaskMemo and the client's purge work over the same storage.
 * Round trip, missing and malformed keys, overwrite, list order, delete, `cache purge --older-than`,
 * TTL expiry, large and file outputs, an entry surviving the purge of its source workflow (with its
 * output blobs gone), and concurrent puts for one key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/ports/backend.js';
import type { TaskCacheEntry } from '../../../src/ports/task-cache.js';
import { OUTPUT_INLINE_THRESHOLD } from '../../../src/ports/output-store.js';
import { purgeCacheEntries } from '../../../src/client/task-cache.js';
import { purgeWorkflows } from '../../../src/client/maintenance.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { TaskMemo } from '../../../src/coordinator/task-cache.js';
import { emptyStats } from '../../../src/coordinator/stats.js';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import type { TaskDispatch } from '../../../src/engine/api.js';
import { parseDefinition } from '../../../src/model/load.js';
import { silentLogger } from '../../../src/log.js';
import { readyMarker, STASH_KEY } from '../../../src/wire/stash.js';

export interface TaskCacheHarness {
  /** A backend of a fresh prefix (resources not yet created). */
  backend: Backend;
}

const key = (c: string) => c.repeat(64);
const T = Date.UTC(2026, 11, 1, 12, 0, 0);

function entry(k: string, over: Partial<TaskCacheEntry> = {}): TaskCacheEntry {
  return {
    key: k,
    createdAt: new Date(T).toISOString(),
    source: { workflowId: 'a'.repeat(32), task: 'prep/x', attempt: 2 },
    output: '{"rows": 10, "name": "ünïcödé ✓"}',
    ...over,
  };
}

/** A one-task (or two-task) cacheable workflow, activated: its first task is running at attempt 1. */
function running(workflowId: string, cache: unknown, now: number) {
  const def = parseDefinition(
    { name: 'memo-conf', tasks: [{ name: 'a', cache, kwargs: { cmd: 'make a' } }] },
    'conformance',
  );
  const rt = WorkflowRuntime.fromDefinition(def, { workflowId, now });
  const step = rt.activate(now);
  expect(step.dispatch.map((d) => d.task)).toEqual(['a']);
  return { def, rt, dispatch: step.dispatch[0] as TaskDispatch };
}

export function taskCacheStoreConformance(adapter: string, open: () => Promise<TaskCacheHarness>): void {
  describe(`TaskCacheStore conformance (${adapter})`, () => {
    let backend: Backend;
    let dir: string;
    let clock = T;
    const memo = () =>
      new TaskMemo(backend.cache, backend.outputs, emptyStats(), silentLogger(), () => clock);

    beforeAll(async () => {
      ({ backend } = await open());
      dir = mkdtempSync(join(tmpdir(), 'jobq-cache-conf-'));
    });
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      await backend?.close();
    });

    it('a prefix that never cached anything reads as empty (no container needed)', async () => {
      expect(await backend.cache.list()).toEqual([]);
      expect(await backend.cache.get(key('0'))).toBeNull();
      expect(await backend.cache.delete(key('0'))).toBe(false);
    });

    it('reads back exactly what was written; a null output stays null', async () => {
      const e = entry(key('1'));
      await backend.cache.put(e);
      expect(await backend.cache.get(key('1'))).toEqual(e);
      const none = entry(key('2'), { output: null });
      await backend.cache.put(none);
      expect(await backend.cache.get(key('2'))).toEqual(none);
    });

    it('answers null for a missing or malformed key, and refuses to store one', async () => {
      expect(await backend.cache.get(key('9'))).toBeNull();
      expect(await backend.cache.get('../state/x')).toBeNull();
      expect(await backend.cache.get(key('A'))).toBeNull();
      await expect(backend.cache.put(entry('not-a-key'))).rejects.toThrow(/invalid cache key/);
    });

    it('a second put of one key replaces the first', async () => {
      const later = entry(key('1'), {
        createdAt: new Date(T + 5000).toISOString(),
        source: { workflowId: 'b'.repeat(32), task: 'prep/x', attempt: 1 },
        output: '[1, 2, 3]',
      });
      await backend.cache.put(later);
      expect(await backend.cache.get(key('1'))).toEqual(later);
    });

    it('lists every entry in key order, each whole', async () => {
      await backend.cache.put(entry(key('3')));
      const list = await backend.cache.list();
      expect(list.map((e) => e.key)).toEqual([key('1'), key('2'), key('3')]);
      expect(list[2]).toEqual(entry(key('3')));
    });

    it('deletes: true when it existed, false after', async () => {
      expect(await backend.cache.delete(key('3'))).toBe(true);
      expect(await backend.cache.delete(key('3'))).toBe(false);
      expect(await backend.cache.get(key('3'))).toBeNull();
    });

    it('cache purge --older-than removes only entries recorded before the cut-off', async () => {
      const day = 86_400_000;
      await backend.cache.put(entry(key('4'), { createdAt: new Date(T - 10 * day).toISOString() }));
      await backend.cache.put(entry(key('5'), { createdAt: new Date(T - 6 * day).toISOString() }));
      const before = (await backend.cache.list()).length;
      expect(await purgeCacheEntries(backend.cache, { olderThanS: 7 * 86_400 }, T)).toEqual({
        deleted: 1,
        kept: before - 1,
      });
      expect(await backend.cache.get(key('4'))).toBeNull();
      expect(await backend.cache.get(key('5'))).not.toBeNull();
      // A key prefix narrows it further; nothing matches both here.
      expect(
        await purgeCacheEntries(backend.cache, { olderThanS: 7 * 86_400, keyPrefix: '5555' }, T),
      ).toMatchObject({ deleted: 0 });
      expect(await purgeCacheEntries(backend.cache, { keyPrefix: '5555' }, T)).toMatchObject({ deleted: 1 });
    });

    it('keeps a large output (1.5 MiB, multi-byte) byte for byte', async () => {
      const big = JSON.stringify({ rows: Array.from({ length: 70_000 }, (_, i) => `row ${i} — é✓`) });
      expect(Buffer.byteLength(big)).toBeGreaterThan(1024 * 1024);
      await backend.cache.put(entry(key('6'), { output: big }));
      expect((await backend.cache.get(key('6')))?.output).toBe(big);
    });

    it('concurrent puts for one key leave exactly one whole entry of one of the writers', async () => {
      const k = key('7');
      const writers = Array.from({ length: 10 }, (_, i) =>
        entry(k, {
          source: { workflowId: String(i).repeat(32), task: 't', attempt: 1 },
          output: JSON.stringify({ writer: i, pad: String(i).repeat(200_000) }),
        }),
      );
      await Promise.all(writers.map((w) => backend.cache.put(w)));
      const got = await backend.cache.get(k);
      expect(writers).toContainEqual(got);
      expect((await backend.cache.list()).filter((e) => e.key === k)).toHaveLength(1);
    });

    describe('through the coordinator (TaskMemo) and the client', () => {
      let client: WorkflowClient;
      beforeAll(async () => {
        client = new WorkflowClient({ backend });
        await client.ensureResources();
      });

      it('a recorded result is a hit for the same task of another workflow; the TTL bounds it', async () => {
        const spec = { ttl_s: 60 };
        const src = running('1'.repeat(32), spec, clock);
        src.rt.applyCompletion(
          { task: 'a', success: true, outputRef: '{"v": 1}', error: null, attemptNo: 1 },
          clock,
        );
        const m = memo();
        m.record(src.rt, 'a', 1);
        await m.drain();
        clock += 59_000;
        const next = running('2'.repeat(32), spec, clock);
        expect(await m.lookup(next.rt, next.dispatch)).toEqual({
          outputRef: '{"v": 1}',
          source: `${'1'.repeat(32)}/a/1`,
        });
        clock += 2_000;
        expect(await m.lookup(next.rt, next.dispatch)).toBeNull();
      });

      it('a failed attempt records nothing', async () => {
        const src = running('3'.repeat(32), { version: 'failed' }, clock);
        src.rt.applyCompletion(
          { task: 'a', success: false, outputRef: null, error: 'x', attemptNo: 1 },
          clock,
        );
        const m = memo();
        const before = (await backend.cache.list()).length;
        m.record(src.rt, 'a', 1);
        await m.drain();
        expect(await backend.cache.list()).toHaveLength(before);
        const next = running('4'.repeat(32), { version: 'failed' }, clock);
        expect(await m.lookup(next.rt, next.dispatch)).toBeNull();
      });

      it('large and file outputs survive purging the workflow that produced them (even --drop-tables)', async () => {
        const spec = { version: 'purge' };
        const { def } = running('0'.repeat(32), spec, clock);
        const { workflowId: srcId } = await client.submit(def);
        const src = running(srcId, spec, clock);
        // A large output (stored as a blob of the source workflow) holding a stashed file.
        const file = join(dir, 'model.bin');
        writeFileSync(file, Buffer.alloc(100_000, 7));
        const stashed = await backend.outputs.uploadFile(srcId, 'a', file, 'model.bin');
        const output = JSON.stringify({
          model: readyMarker(stashed),
          metrics: 'x'.repeat(OUTPUT_INLINE_THRESHOLD),
        });
        const ref = await backend.outputs.putOutput(srcId, 'a', output);
        expect(ref).toMatch(/^blob:/);
        src.rt.applyCompletion(
          { task: 'a', success: true, outputRef: ref, error: null, attemptNo: 1 },
          clock,
        );
        const m = memo();
        m.record(src.rt, 'a', 1);
        await m.drain();

        // The widest purge: every workflow, and the containers and index table dropped and recreated.
        await purgeWorkflows(backend, { all: true, dropTables: true });
        expect(await backend.state.load(srcId)).toBeNull();
        await expect(backend.outputs.fetchOutput(ref)).rejects.toThrow(/does not exist/);

        const next = running('5'.repeat(32), spec, clock);
        const hit = await m.lookup(next.rt, next.dispatch);
        expect(hit?.source).toBe(`${srcId}/a/1`);
        // Served back as a blob of the new workflow, the same content.
        expect(hit?.outputRef).toBe(`blob:${'5'.repeat(32)}/a.json`);
        const got = (await backend.outputs.fetchOutput(hit!.outputRef!)) as Record<string, unknown>;
        expect(JSON.stringify(got)).toBe(output);
        // The stashed file is still there to download (purge leaves file outputs, as the reference does).
        const marker = (got.model as Record<string, typeof stashed>)[STASH_KEY];
        expect((await backend.outputs.readFile(marker)).equals(Buffer.alloc(100_000, 7))).toBe(true);
      });
    });
  });
}
