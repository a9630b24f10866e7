/**
 * Issue 15 item 1: the reference's reader takes `completed_parents`/`failed_parents` as stored
 * (`ts.get("completed_parents", 0)`), so a finished task that jobq wrote must carry them, or the
 * reference's `status`, `tasks` and `explain` show "deps 0/2". Blobs are written through the real
 * BlobStateStore and read back with the reference's rules (test/support/reference-reader.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import { BlobStateStore } from '../../../src/adapters/blob-state-store.js';
import { MemoryBlobBucket } from '../../../src/adapters/memory/blob-bucket.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import type { StateDocV1 } from '../../../src/wire/docs.js';
import {
  referenceDecodeBlob,
  referenceDepsCell,
  referenceLoad,
  referenceTaskStatus,
} from '../../support/reference-reader.js';
import { T0, def, fail, ok } from './helpers.js';

const FIXTURE = new URL('../../fixtures/docs/jobq-finished-state.json', import.meta.url);

/** A workflow that ends with failures absorbed by `any`/`all_settled` joins, a cascade and a skip. */
function finishedWorkflow(): WorkflowRuntime {
  const rt = WorkflowRuntime.fromDefinition(
    def({
      a: {},
      b: {},
      c: { kwargs: { cmd: 'echo c' } },
      join_any: { deps: ['a', 'b'], dep_policy: 'any' },
      join_settled: { deps: ['a', 'c'], dep_policy: 'all_settled' },
      join_all: { deps: ['a', 'b'] },
      gated: { deps: ['c'], condition: 'inputs.c.go' },
      sink: { deps: ['join_any', 'join_settled', 'gated'] },
    }),
    { workflowId: 'wf-finished', now: T0 },
  );
  rt.activate(T0);
  ok(rt, 'b', null, T0 + 1000);
  fail(rt, 'a', 'exit 1', T0 + 2000);
  ok(rt, 'c', '{"go": false}', T0 + 3000);
  ok(rt, 'join_any', null, T0 + 4000);
  ok(rt, 'join_settled', null, T0 + 5000);
  ok(rt, 'sink', null, T0 + 6000);
  return rt;
}

async function writeAndReadRaw(rt: WorkflowRuntime): Promise<{ def: Buffer; state: Buffer }> {
  const world = createMemoryWorld();
  const bucket = new MemoryBlobBucket(world.blobs, 'p-workflows');
  const store = new BlobStateStore(bucket);
  await store.ensureResources();
  await store.createWorkflow(rt.toDefinitionDoc(), rt.toStateDoc());
  const defBlob = await bucket.read('wf-finished.def.bin');
  const stateBlob = await bucket.read('wf-finished.state.bin');
  if (!defBlob || !stateBlob) throw new Error('blobs not written');
  return { def: defBlob.bytes, state: stateBlob.bytes };
}

describe('finished tasks keep their dependency counters for the reference reader', () => {
  it('the workflow under test really finished (failed: the sink join_all is upstream_failed)', () => {
    const rt = finishedWorkflow();
    expect(rt.state).toBe('failed');
    expect(rt.taskState('sink')).toBe('completed');
    expect(rt.taskState('join_all')).toBe('upstream_failed');
    expect(rt.taskState('gated')).toBe('skipped');
  });

  it('reference status shows the same completed/failed deps as jobq for every task', async () => {
    const rt = finishedWorkflow();
    const raw = await writeAndReadRaw(rt);
    const ref = referenceLoad(referenceDecodeBlob(raw.def), referenceDecodeBlob(raw.state));
    expect(ref.workflow_state).toBe('failed');
    for (const t of ref.tasks) {
      const mine = rt.taskStatus(t.name);
      expect({ task: t.name, ...referenceTaskStatus(t) }).toMatchObject({
        task: t.name,
        status: mine.status,
        completed_deps: mine.completed_deps,
        failed_deps: mine.failed_deps,
      });
    }
    const byName = Object.fromEntries(ref.tasks.map((t) => [t.name, t]));
    expect(referenceDepsCell(byName.join_any)).toBe('1/2');
    expect(byName.join_any.failed_parents).toBe(1);
    expect(byName.join_settled).toMatchObject({ completed_parents: 1, failed_parents: 1 });
    expect(byName.join_all).toMatchObject({ completed_parents: 1, failed_parents: 1 });
    expect(referenceDepsCell(byName.sink)).toBe('3/3');
    expect(referenceDepsCell(byName.a)).toBe('');
  });

  it('omits only values equal to the reader default (0, null, pending)', async () => {
    const rt = finishedWorkflow();
    const state = referenceDecodeBlob((await writeAndReadRaw(rt)).state) as unknown as StateDocV1;
    for (const [name, e] of Object.entries(state.tasks)) {
      for (const [k, v] of Object.entries(e)) {
        expect({ name, k, v }).not.toMatchObject({ v: 0 });
        expect({ name, k, v }).not.toMatchObject({ v: null });
      }
    }
    // Roots have no parents: their counters are 0 and therefore absent.
    expect(state.tasks.a).not.toHaveProperty('completed_parents');
  });

  it('golden fixture: the state document jobq writes for this workflow', () => {
    const golden = JSON.parse(readFileSync(FIXTURE, 'utf8')) as StateDocV1;
    expect(finishedWorkflow().toStateDoc()).toEqual(golden);
  });
});
