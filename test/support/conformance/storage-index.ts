/** IndexStore conformance: memory and Azurite run the same cases. */
import { describe, it, expect, beforeAll } from 'vitest';
import {
  partitionKeyOf,
  shardOf,
  type IndexColumns,
  type IndexStore,
} from '../../../src/ports/index-store.js';
import { isJobqError } from '../../../src/errors.js';

export function sampleColumns(over: Partial<IndexColumns> = {}): IndexColumns {
  return {
    name: 'sample',
    workflowState: 'running',
    totalTasks: 10,
    completedTasks: 3,
    failedTasks: 1,
    runningTasks: 2,
    pendingTasks: 4,
    skippedTasks: 0,
    defaultQueue: 'cpu',
    queuesUsed: ['gpu', 'cpu', 'gpu'],
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:01:00.000Z',
    error: null,
    ...over,
  };
}

/** IDs that land in a given shard (sum of code points & 0x0f). */
export function idInShard(shard: number, tag: string): string {
  for (let i = 0; ; i++) {
    const id = `wf-${tag}-${i}`;
    if (shardOf(id) === shard) return id;
  }
}

/** Register the IndexStore conformance cases for one adapter. */
export function indexStoreConformance(adapter: string, open: () => Promise<IndexStore>): void {
  describe(`IndexStore conformance (${adapter})`, () => {
    let index: IndexStore;
    beforeAll(async () => {
      index = await open();
      await index.ensureResources();
    });

    it('round-trips every owned column (queues sorted and de-duplicated, error null)', async () => {
      await index.upsert('wf-rt', sampleColumns());
      expect(await index.get('wf-rt')).toEqual({
        workflowId: 'wf-rt',
        cancelRequested: false,
        ...sampleColumns({ queuesUsed: ['cpu', 'gpu'] }),
      });
      await index.update('wf-rt', { workflowState: 'failed', error: 'boom', completedTasks: 9 });
      expect(await index.get('wf-rt')).toMatchObject({
        workflowState: 'failed',
        error: 'boom',
        completedTasks: 9,
        name: 'sample',
      });
      expect(await index.get('wf-missing')).toBeNull();
    });

    it('a created row carries cancel_requested false, so a filter on the column finds it', async () => {
      const id = idInShard(11, 'created');
      await index.upsert(id, sampleColumns({ workflowState: 'pending' }));
      const ids = (await index.listShard(11, { cancelRequested: false })).map((r) => r.workflowId);
      expect(ids).toContain(id);
    });

    it('upserts and updates never clear a cancel request', async () => {
      await index.upsert('wf-cancel', sampleColumns());
      expect(await index.requestCancel('wf-cancel')).toBe(true);
      expect(await index.requestCancel('wf-cancel')).toBe(false);
      await index.upsert('wf-cancel', sampleColumns({ workflowState: 'running' }));
      await index.update('wf-cancel', { completedTasks: 5 });
      expect(await index.getCancelRequested('wf-cancel')).toBe(true);
      expect((await index.get('wf-cancel'))!.completedTasks).toBe(5);
      await index.clearCancelRequested('wf-cancel');
      expect(await index.getCancelRequested('wf-cancel')).toBe(false);
    });

    it('cancel of an unknown workflow is WorkflowNotFoundError; flag of a missing row is false', async () => {
      const err = await index.requestCancel('wf-nope').catch((e: unknown) => e);
      expect(isJobqError(err, 'WorkflowNotFoundError')).toBe(true);
      expect(await index.getCancelRequested('wf-nope')).toBe(false);
    });

    it('update of a missing row is a no-op, not a resurrection', async () => {
      await index.update('wf-ghost', { workflowState: 'completed' });
      await index.clearCancelRequested('wf-ghost');
      expect(await index.get('wf-ghost')).toBeNull();
    });

    it('partitions rows by shard and filters shard queries by state and cancel flag', async () => {
      expect(partitionKeyOf(idInShard(3, 'p'))).toBe('wf-03');
      const a = idInShard(7, 'sa');
      const b = idInShard(7, 'sb');
      const c = idInShard(7, 'sc');
      const other = idInShard(8, 'sd');
      await index.upsert(a, sampleColumns({ workflowState: 'running' }));
      await index.upsert(b, sampleColumns({ workflowState: 'pending' }));
      await index.upsert(c, sampleColumns({ workflowState: 'completed' }));
      await index.upsert(other, sampleColumns({ workflowState: 'running' }));
      await index.requestCancel(b);
      const ids = (rows: { workflowId: string }[]) => rows.map((r) => r.workflowId).sort();
      expect(ids(await index.listShard(7))).toEqual([a, b, c].sort());
      expect(ids(await index.listShard(7, { states: ['running', 'pending'] }))).toEqual([a, b].sort());
      expect(ids(await index.listShard(7, { cancelRequested: true }))).toEqual([b]);
      expect(ids(await index.listShard(8))).toEqual([other]);
      const all = ids(await index.list({ states: ['running'] }));
      expect(all).toEqual(expect.arrayContaining([a, other]));
      expect(all).not.toContain(c);
    });

    it('deletes rows', async () => {
      await index.upsert('wf-del', sampleColumns());
      expect(await index.delete('wf-del')).toBe(true);
      expect(await index.delete('wf-del')).toBe(false);
      expect(await index.get('wf-del')).toBeNull();
    });
  });
}
