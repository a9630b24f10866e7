/** StateStore conformance: run against the memory adapter and against Azurite with the same cases. */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { StateStore } from '../../../src/ports/state-store.js';
import type { BlobBucket } from '../../../src/adapters/blob-bucket.js';
import type { DefinitionDocV1, StateDocV1 } from '../../../src/wire/docs.js';
import { isJobqError } from '../../../src/errors.js';
import { decodeDoc, isGzip } from '../../../src/wire/blob-codec.js';

export interface StateStoreHarness {
  store: StateStore;
  /** Raw access to the same state container (to plant reference-written and legacy blobs). */
  raw: BlobBucket;
}

const FIXTURES = new URL('../../fixtures/blobs/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));

export function sampleDocs(id: string): { def: DefinitionDocV1; state: StateDocV1 } {
  return {
    def: {
      v: 1,
      workflow_id: id,
      name: 'sample',
      default_queue: 'q',
      result_policy: 'all_sinks_succeed',
      max_parallelism: null,
      created_at: '2026-11-25T00:00:00.000Z',
      tasks: {
        a: {
          parents: [],
          children: ['b'],
          queue: 'q',
          num_retries: 0,
          dep_policy: 'all',
          timeout_s: null,
          condition: null,
          kwargs: { cmd: 'echo a' },
        },
        b: {
          parents: ['a'],
          children: [],
          queue: 'q',
          num_retries: 2,
          dep_policy: 'all',
          timeout_s: 60,
          condition: null,
          kwargs: {},
        },
      },
    },
    state: {
      v: 1,
      workflow_id: id,
      workflow_state: 'pending',
      cancel_requested: false,
      updated_at: '2026-11-25T00:00:00.000Z',
      error: null,
      tasks: { a: { state: 'ready' } },
    },
  };
}

let seq = 0;
const newId = (tag: string) => `wf-${tag}-${Date.now().toString(36)}-${++seq}`;

/** Register the StateStore conformance cases for one adapter. */
export function stateStoreConformance(adapter: string, open: () => Promise<StateStoreHarness>): void {
  describe(`StateStore conformance (${adapter})`, () => {
    let h: StateStoreHarness;
    beforeAll(async () => {
      h = await open();
      await h.store.ensureResources();
    });

    it('round-trips definition and state, returning the state ETag', async () => {
      const id = newId('rt');
      const { def, state } = sampleDocs(id);
      const etag = await h.store.createWorkflow(def, state);
      const loaded = await h.store.load(id);
      expect(loaded).toMatchObject({ def, state, etag, legacy: false });
      expect(await h.store.loadDefinition(id)).toEqual(def);
      expect(await h.store.loadState(id)).toEqual({ state, etag });
    });

    it('writes gzip level-1 JSON blobs', async () => {
      const id = newId('gz');
      const { def, state } = sampleDocs(id);
      await h.store.createWorkflow(def, state);
      const raw = await h.raw.read(`${id}.state.bin`);
      expect(isGzip(raw!.bytes)).toBe(true);
      expect(decodeDoc(raw!.bytes)).toEqual(state);
      expect(decodeDoc((await h.raw.read(`${id}.def.bin`))!.bytes)).toEqual(def);
    });

    it('refuses to create an existing workflow ID', async () => {
      const id = newId('dup');
      const { def, state } = sampleDocs(id);
      await h.store.createWorkflow(def, state);
      const err = await h.store.createWorkflow(def, state).catch((e: unknown) => e);
      expect(isJobqError(err, 'WorkflowExistsError')).toBe(true);
      expect((err as Error).message).toContain(id);
    });

    it('CAS: of two writers holding the same ETag exactly one wins, and no update is lost', async () => {
      const id = newId('cas');
      const { def, state } = sampleDocs(id);
      const etag0 = await h.store.createWorkflow(def, state);
      const writes = ['w1', 'w2'].map((w) => h.store.saveState({ ...state, error: w }, etag0));
      const results = await Promise.allSettled(writes);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(ok).toHaveLength(1);
      expect(isJobqError(lost[0].reason, 'StateConflictError')).toBe(true);
      const winner = (ok[0] as PromiseFulfilledResult<string>).value;
      const now = await h.store.loadState(id);
      expect(now!.etag).toBe(winner);
      expect(['w1', 'w2']).toContain(now!.state.error);
      // The loser retries from a fresh read: both updates end up applied.
      const next = await h.store.saveState(
        { ...now!.state, updated_at: '2026-11-25T01:00:00.000Z' },
        now!.etag,
      );
      const final = await h.store.loadState(id);
      expect(final).toEqual({ state: { ...now!.state, updated_at: '2026-11-25T01:00:00.000Z' }, etag: next });
    });

    it('a stale ETag after a successful write is refused', async () => {
      const id = newId('stale');
      const { def, state } = sampleDocs(id);
      const etag0 = await h.store.createWorkflow(def, state);
      await h.store.saveState({ ...state, workflow_state: 'running' }, etag0);
      const err = await h.store
        .saveState({ ...state, workflow_state: 'failed' }, etag0)
        .catch((e: unknown) => e);
      expect(isJobqError(err, 'StateConflictError')).toBe(true);
      expect((await h.store.loadState(id))!.state.workflow_state).toBe('running');
    });

    it('decodes golden blobs written by the reference (gzip) and plain JSON state blobs', async () => {
      const expected = JSON.parse(fixture('reference-expected.json').toString('utf8'));
      await h.raw.write('wf-golden-1.def.bin', fixture('reference.def.bin'));
      await h.raw.write('wf-golden-1.state.bin', Buffer.from(JSON.stringify(expected.state)));
      let loaded = await h.store.load('wf-golden-1');
      expect(loaded!.def).toEqual(expected.definition);
      expect(loaded!.state).toEqual(expected.state);
      await h.raw.write('wf-golden-1.state.bin', fixture('reference.state.bin'));
      loaded = await h.store.load('wf-golden-1');
      expect(loaded!.state).toEqual(expected.state);
      expect(loaded!.def.tasks.eval.dep_policy).toBe(1);
    });

    it('falls back to a legacy <id>.json blob (plain and gzip), and first flush creates the state blob', async () => {
      for (const file of ['reference-legacy.json', 'reference-legacy.json.gz']) {
        const id = 'wf-legacy-1';
        await h.store.deleteWorkflow(id);
        await h.raw.write(`${id}.json`, fixture(file));
        const loaded = await h.store.load(id);
        expect(loaded!.legacy).toBe(true);
        expect(loaded!.def.tasks.train.queue).toBe('gpu');
        expect(loaded!.def.tasks.train).not.toHaveProperty('state');
        expect(loaded!.state!.tasks.prep).toMatchObject({ state: 'completed', output_ref: '{"rows": 42}' });
        const etag = await h.store.saveState(
          { ...loaded!.state!, workflow_state: 'completed' },
          loaded!.etag,
        );
        const again = await h.store.load(id);
        expect(again).toMatchObject({ legacy: true, etag, state: { workflow_state: 'completed' } });
        expect(await h.store.listWorkflowIds()).toContain(id);
      }
    });

    it('rejects an unsupported schema version and garbage bytes with a clear error', async () => {
      const id = newId('bad');
      const { def, state } = sampleDocs(id);
      await h.raw.write(`${id}.def.bin`, gzipSync(JSON.stringify({ ...def, v: 2 })));
      await h.raw.write(`${id}.state.bin`, gzipSync(JSON.stringify(state)));
      await expect(h.store.load(id)).rejects.toThrow(/unsupported schema version 2/);
      await h.raw.write(`${id}.def.bin`, Buffer.from([0x00, 0x01, 0x02, 0x03]));
      await expect(h.store.load(id)).rejects.toThrow(/neither gzip nor JSON/);
    });

    it('a definition without a state (crash between writes) loads with state null and can be flushed create-only', async () => {
      const id = newId('half');
      const { def, state } = sampleDocs(id);
      await h.raw.write(`${id}.def.bin`, gzipSync(JSON.stringify(def)));
      const loaded = await h.store.load(id);
      expect(loaded).toMatchObject({ def, state: null, etag: '' });
      expect(await h.store.listWorkflowIds()).toContain(id);
      const etag = await h.store.saveState(state, '');
      expect(
        isJobqError(await h.store.saveState(state, '').catch((e: unknown) => e), 'StateConflictError'),
      ).toBe(true);
      expect((await h.store.load(id))!.etag).toBe(etag);
    });

    it('returns null for unknown IDs and deletes every blob of a workflow', async () => {
      expect(await h.store.load(newId('none'))).toBeNull();
      const id = newId('del');
      const { def, state } = sampleDocs(id);
      await h.store.createWorkflow(def, state);
      await h.raw.write(`${id}.json`, Buffer.from('{}'));
      expect(await h.store.listWorkflowIds()).toContain(id);
      expect(await h.store.deleteWorkflow(id)).toBe(true);
      expect(await h.store.load(id)).toBeNull();
      expect(await h.raw.read(`${id}.json`)).toBeNull();
      expect(await h.store.deleteWorkflow(id)).toBe(false);
      expect(await h.store.listWorkflowIds()).not.toContain(id);
    });
  });
}
