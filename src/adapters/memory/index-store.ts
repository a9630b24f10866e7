/** Memory IndexStore: rows kept in entity form (same column codec as Azure), merge semantics simulated. */
import {
  INDEX_SHARDS,
  partitionKeyOf,
  type IndexColumns,
  type IndexQuery,
  type IndexRow,
  type IndexStore,
} from '../../ports/index-store.js';
import { WorkflowNotFoundError } from '../../errors.js';
import { resourceNames } from '../names.js';
import {
  creationEntityColumns,
  fromEntity,
  matchesQuery,
  shardPartitionKey,
  toEntityColumns,
} from '../index-row.js';
import type { MemoryTableRow, MemoryWorld } from './world.js';

const rowKey = (workflowId: string) => `${partitionKeyOf(workflowId)}\u0000${workflowId}`;

export class MemoryIndexStore implements IndexStore {
  constructor(
    private readonly world: MemoryWorld,
    private readonly tableName: string,
  ) {}

  private table(): Map<string, MemoryTableRow> {
    const t = this.world.tables.get(this.tableName);
    if (!t) throw new Error(`memory table ${this.tableName} does not exist (call ensureResources first)`);
    return t;
  }

  async ensureResources(): Promise<void> {
    if (!this.world.tables.has(this.tableName)) this.world.tables.set(this.tableName, new Map());
  }

  async upsert(workflowId: string, cols: IndexColumns): Promise<void> {
    const t = this.table();
    const cur = t.get(rowKey(workflowId));
    if (cur) t.set(rowKey(workflowId), { ...cur, ...toEntityColumns(cols) });
    else {
      const key = { partitionKey: partitionKeyOf(workflowId), rowKey: workflowId };
      t.set(rowKey(workflowId), { ...key, ...creationEntityColumns(cols) });
    }
  }

  async update(workflowId: string, cols: Partial<IndexColumns>): Promise<void> {
    this.merge(workflowId, toEntityColumns(cols));
  }

  async get(workflowId: string): Promise<IndexRow | null> {
    const e = this.world.tables.get(this.tableName)?.get(rowKey(workflowId));
    return e ? fromEntity(e) : null;
  }

  async requestCancel(workflowId: string): Promise<boolean> {
    const row = await this.get(workflowId);
    if (!row) throw new WorkflowNotFoundError(`workflow ${workflowId} not found in the index`);
    if (row.cancelRequested) return false;
    this.merge(workflowId, { cancel_requested: true });
    return true;
  }

  async getCancelRequested(workflowId: string): Promise<boolean> {
    return (await this.get(workflowId))?.cancelRequested ?? false;
  }

  async clearCancelRequested(workflowId: string): Promise<void> {
    this.merge(workflowId, { cancel_requested: false });
  }

  async listShard(shard: number, query?: IndexQuery): Promise<IndexRow[]> {
    const pk = shardPartitionKey(shard);
    const rows = [...(this.world.tables.get(this.tableName)?.values() ?? [])].filter(
      (e) => e.partitionKey === pk,
    );
    return rows.map(fromEntity).filter((r) => matchesQuery(r, query));
  }

  async list(query?: IndexQuery): Promise<IndexRow[]> {
    const out: IndexRow[] = [];
    for (let s = 0; s < INDEX_SHARDS; s++) out.push(...(await this.listShard(s, query)));
    return out;
  }

  async scan(query: IndexQuery): Promise<IndexRow[]> {
    return this.list(query);
  }

  async delete(workflowId: string): Promise<boolean> {
    return this.world.tables.get(this.tableName)?.delete(rowKey(workflowId)) ?? false;
  }

  async dropResources(): Promise<void> {
    this.world.tables.delete(this.tableName);
  }

  private merge(workflowId: string, cols: Record<string, unknown>): void {
    const t = this.world.tables.get(this.tableName);
    const cur = t?.get(rowKey(workflowId));
    if (t && cur) t.set(rowKey(workflowId), { ...cur, ...cols });
  }
}

/** Index of `prefix` in `world`. */
export function createMemoryIndexStore(world: MemoryWorld, prefix: string): IndexStore {
  return new MemoryIndexStore(world, resourceNames(prefix).indexTable);
}
