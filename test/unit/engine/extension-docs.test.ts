/**
 * The jobq extensions (DECISIONS §4.17) in the stored documents: one extra top-level `jobq` key in the
 * definition and state blobs, the v1 keys exactly as the reference writes them, no new task-state
 * values. Golden fixtures: test/fixtures/docs/jobq-extension-*.json.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import { TASK_STATES } from '../../../src/engine/states.js';
import type { DefinitionDocV1, StateDocV1 } from '../../../src/wire/docs.js';
import { DEF_KEYS, DEF_TASK_KEYS, STATE_KEYS, STATE_TASK_KEYS } from '../../support/reference-doc-keys.js';
import { referenceDecodeBlob, referenceLoad, referenceTaskStatus } from '../../support/reference-reader.js';
import { BlobStateStore } from '../../../src/adapters/blob-state-store.js';
import { MemoryBlobBucket } from '../../../src/adapters/memory/blob-bucket.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { StateBlobEncoder } from '../../../src/wire/state-blob.js';
import { T0, def } from './helpers.js';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../fixtures/docs/${name}`, import.meta.url), 'utf8')) as T;

function memoWorkflow(): WorkflowDefinition {
  const d = def({
    prep: { kwargs: { cmd: 'python prep.py' } },
    train: { deps: ['prep'], kwargs: { cmd: 'python train.py' } },
    index: { deps: ['train'], kwargs: { cmd: 'python index.py' } },
  });
  d.tasks[0].cache = { key: null, ttl_s: null, version: 'v2' };
  d.tasks[1].semaphore = 'gpu';
  d.tasks[2].mutex = 'search-index';
  d.idempotency_key = 'nightly-2026-11-25';
  return d;
}
type WorkflowDefinition = ReturnType<typeof def>;

function cachedRun(): WorkflowRuntime {
  const rt = WorkflowRuntime.fromDefinition(memoWorkflow(), {
    workflowId: 'wf1',
    now: T0,
    extension: { definition_sha256: 'ab'.repeat(32) },
  });
  const first = rt.activate(T0);
  expect(first.dispatch.map((d) => d.task)).toEqual(['prep']);
  const hit = rt.completeFromCache('prep', 1, '{"rows": 10}', 'wf0/prep/1', T0 + 1000);
  expect(hit.dispatch.map((d) => d.task)).toEqual(['train']);
  return rt;
}

describe('jobq extension keys in the v1 documents', () => {
  it('definition: the reference keys in order, plus one top-level jobq object (golden)', () => {
    const doc = cachedRun().toDefinitionDoc();
    expect(doc).toEqual(fixture<DefinitionDocV1>('jobq-extension-definition.json'));
    expect(Object.keys(doc)).toEqual([...DEF_KEYS, 'jobq']);
    for (const t of Object.values(doc.tasks)) expect(Object.keys(t)).toEqual(DEF_TASK_KEYS);
  });

  it('state: a cache hit is `completed` with its output; the source is only under jobq (golden)', () => {
    const doc = cachedRun().toStateDoc();
    expect(doc).toEqual(fixture<StateDocV1>('jobq-extension-state.json'));
    expect(Object.keys(doc)).toEqual([...STATE_KEYS, 'jobq']);
    for (const t of Object.values(doc.tasks)) {
      for (const k of Object.keys(t)) expect(STATE_TASK_KEYS).toContain(k);
      expect(TASK_STATES).toContain(t.state);
    }
    expect(doc.tasks.prep).toMatchObject({ state: 'completed', output_ref: '{"rows": 10}', attempt_no: 1 });
  });

  it('without the jobq keys the documents are what a plain workflow writes (a reference reader loses nothing it knows)', () => {
    const rt = cachedRun();
    const { jobq: _d, ...defDoc } = rt.toDefinitionDoc();
    const { jobq: _s, ...stateDoc } = rt.toStateDoc();
    const plain = WorkflowRuntime.fromDocs(defDoc as DefinitionDocV1, stateDoc as StateDocV1);
    expect(plain.extension).toBeNull();
    expect(plain.toDefinitionDoc()).toEqual(defDoc);
    expect(plain.toStateDoc()).toEqual(stateDoc);
    expect(plain.taskStatus('prep').cached_from).toBeUndefined();
  });

  it('round-trips: extension, cache source and the retry no-cache flag survive a reload', () => {
    const rt = cachedRun();
    rt.setNoCache(true);
    const again = WorkflowRuntime.fromDocs(rt.toDefinitionDoc(), rt.toStateDoc());
    expect(again.taskExtension('train')).toEqual({ semaphore: 'gpu' });
    expect(again.taskExtension('index')).toEqual({ mutex: 'search-index' });
    expect(again.extension?.idempotency_key).toBe('nightly-2026-11-25');
    expect(again.cachedFrom('prep')).toBe('wf0/prep/1');
    expect(again.taskStatus('prep').cached_from).toBe('wf0/prep/1');
    expect(again.noCache).toBe(true);
  });

  it('a plain definition writes no jobq key at all', () => {
    const rt = WorkflowRuntime.fromDefinition(def({ a: {} }), { workflowId: 'wf2', now: T0 });
    expect('jobq' in rt.toDefinitionDoc()).toBe(false);
    expect('jobq' in rt.toStateDoc()).toBe(false);
  });

  it('a cache result is refused for a task that is not running at that attempt', () => {
    const rt = cachedRun();
    expect(rt.completeFromCache('index', 1, null, 'x/index/1', T0 + 2000).ignored).toBe('duplicate');
    expect(rt.completeFromCache('train', 2, null, 'x/train/2', T0 + 2000).ignored).toBe('duplicate');
    expect(rt.taskState('train')).toBe('running');
  });

  it('the reference reader loads the blobs jobq writes (create, then the coordinator’s incremental flush) and sees what jobq sees', async () => {
    const rt = cachedRun();
    const bucket = new MemoryBlobBucket(createMemoryWorld().blobs, 'p-workflows');
    const store = new BlobStateStore(bucket);
    await store.ensureResources();
    const etag = await store.createWorkflow(rt.toDefinitionDoc(), rt.toStateDoc());
    // The coordinator flushes gzip segments from the state text (workflow-table.ts encodeState).
    const bytes = new StateBlobEncoder().encode(rt.toStateText());
    await store.saveState({ encoded: true, workflowId: 'wf1', bytes }, etag);
    const defBlob = (await bucket.read('wf1.def.bin'))!.bytes;
    const stateBlob = (await bucket.read('wf1.state.bin'))!.bytes;
    const defDoc = referenceDecodeBlob(defBlob);
    const stateDoc = referenceDecodeBlob(stateBlob);
    expect(defDoc).toEqual(fixture('jobq-extension-definition.json'));
    expect(stateDoc).toEqual(fixture('jobq-extension-state.json'));
    const ref = referenceLoad(defDoc, stateDoc);
    expect(ref.workflow_state).toBe('running');
    expect(ref.tasks.map((t) => [t.name, t.state, t.output_ref, t.attempt_no])).toEqual([
      ['prep', 'completed', '{"rows": 10}', 1],
      ['train', 'running', null, 1],
      ['index', 'pending', null, 0],
    ]);
    for (const t of ref.tasks) {
      const mine = rt.taskStatus(t.name);
      expect(referenceTaskStatus(t)).toMatchObject({
        status: mine.status,
        completed_deps: mine.completed_deps,
        failed_deps: mine.failed_deps,
        queue: mine.queue,
        error: mine.error,
      });
    }
  });
});
