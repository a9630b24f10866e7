/**
 * Azure IndexStore: table `<prefix>WorkflowsIndex`, PartitionKey per shardOf, RowKey = workflow ID
 * (reference §4.4). Writes MERGE only the writer's columns (DECISIONS §4.5). The table calls go
 * through an EntityTable: the lean REST client by default, `@azure/data-tables` with
 * `JOBQ_HTTP_CLIENT=sdk` (loaded on first use, so choosing it costs nothing until then).
 */
import type { AccountSpec } from '../../config/types.js';
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
  type IndexEntityColumns,
} from '../index-row.js';
import { tableEndpoint } from './endpoints.js';
import { errorCodeOf, guarded, is404, is409 } from './errors.js';
import {
  odataString,
  type EntityTable,
  type TableEntityInput,
  type TableEntityRead,
} from './entity-table.js';
import { httpClientChoice } from './http-client.js';
import { RestEntityTable } from './rest/table.js';
import { tableRestEndpoint } from './rest/endpoints.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** OData filter for one shard and a query, evaluated by the table service. */
export function shardFilter(shard: number, q: IndexQuery = {}): string {
  return [`PartitionKey eq ${odataString(shardPartitionKey(shard))}`, ...columnFilters(q)].join(' and ');
}

/** OData filter of a query across every shard (no PartitionKey term); '' matches every row. */
export function scanFilter(q: IndexQuery): string {
  return columnFilters(q).join(' and ');
}

function columnFilters(q: IndexQuery): string[] {
  const parts: string[] = [];
  if (q.states && q.states.length > 0) {
    parts.push(`(${q.states.map((s) => `workflow_state eq ${odataString(s)}`).join(' or ')})`);
  }
  if (q.cancelRequested !== undefined)
    parts.push(`cancel_requested eq ${q.cancelRequested ? 'true' : 'false'}`);
  return parts;
}

export class AzureIndexStore implements IndexStore {
  private readonly endpoint: string;
  constructor(
    private readonly table: EntityTable,
    endpoint: string,
  ) {
    this.endpoint = endpoint;
  }

  private key(workflowId: string) {
    return { partitionKey: partitionKeyOf(workflowId), rowKey: workflowId };
  }

  async ensureResources(): Promise<void> {
    // Azure refuses to recreate a table for a while after deleting it (409 TableBeingDeleted).
    for (let attempt = 0; ; attempt++) {
      try {
        await guarded(this.endpoint, `create table ${this.table.tableName}`, () => this.table.createTable());
        return;
      } catch (err) {
        if (errorCodeOf(err) !== 'TableBeingDeleted' || attempt >= 30) throw err;
        await sleep(1_000);
      }
    }
  }

  async upsert(workflowId: string, cols: IndexColumns): Promise<void> {
    const created = await guarded(this.endpoint, `create index row ${workflowId}`, async () => {
      try {
        await this.table.createEntity({ ...this.key(workflowId), ...creationEntityColumns(cols) });
        return true;
      } catch (err) {
        if (is409(err)) return false;
        throw err;
      }
    });
    if (created) return;
    const entity: TableEntityInput = { ...this.key(workflowId), ...toEntityColumns(cols) };
    await guarded(this.endpoint, `upsert index row ${workflowId}`, () => this.table.upsertMerge(entity));
  }

  async update(workflowId: string, cols: Partial<IndexColumns>): Promise<void> {
    await this.mergeExisting(workflowId, toEntityColumns(cols), 'update index row');
  }

  async get(workflowId: string): Promise<IndexRow | null> {
    const { partitionKey, rowKey } = this.key(workflowId);
    return guarded(this.endpoint, `read index row ${workflowId}`, async () => {
      try {
        return fromEntity(await this.table.getEntity(partitionKey, rowKey));
      } catch (err) {
        if (is404(err)) return null;
        throw err;
      }
    });
  }

  async requestCancel(workflowId: string): Promise<boolean> {
    const row = await this.get(workflowId);
    if (!row) throw new WorkflowNotFoundError(`workflow ${workflowId} not found in the index`);
    if (row.cancelRequested) return false;
    await this.mergeExisting(workflowId, { cancel_requested: true }, 'request cancel');
    return true;
  }

  async getCancelRequested(workflowId: string): Promise<boolean> {
    const { partitionKey, rowKey } = this.key(workflowId);
    return guarded(this.endpoint, `read cancel flag ${workflowId}`, async () => {
      try {
        return fromEntity(await this.table.getEntity(partitionKey, rowKey, ['cancel_requested']))
          .cancelRequested;
      } catch (err) {
        if (is404(err)) return false;
        throw err;
      }
    });
  }

  async clearCancelRequested(workflowId: string): Promise<void> {
    await this.mergeExisting(workflowId, { cancel_requested: false }, 'clear cancel flag');
  }

  async listShard(shard: number, query?: IndexQuery): Promise<IndexRow[]> {
    return this.query(shardFilter(shard, query), query, `list index shard ${shard}`);
  }

  async scan(query: IndexQuery): Promise<IndexRow[]> {
    return this.query(scanFilter(query), query, 'scan index');
  }

  private async query(filter: string, query: IndexQuery | undefined, op: string): Promise<IndexRow[]> {
    return guarded(this.endpoint, op, async () => {
      let entities: TableEntityRead[];
      try {
        entities = await this.table.queryEntities(filter);
      } catch (err) {
        if (is404(err)) return [];
        throw err;
      }
      return entities.map(fromEntity).filter((r) => matchesQuery(r, query));
    });
  }

  async list(query?: IndexQuery): Promise<IndexRow[]> {
    const shards = await Promise.all(
      Array.from({ length: INDEX_SHARDS }, (_, s) => this.listShard(s, query)),
    );
    return shards.flat();
  }

  async delete(workflowId: string): Promise<boolean> {
    const { partitionKey, rowKey } = this.key(workflowId);
    return guarded(this.endpoint, `delete index row ${workflowId}`, async () => {
      try {
        await this.table.deleteEntity(partitionKey, rowKey);
        return true;
      } catch (err) {
        if (is404(err)) return false;
        throw err;
      }
    });
  }

  async dropResources(): Promise<void> {
    await guarded(this.endpoint, `delete table ${this.table.tableName}`, async () => {
      try {
        await this.table.deleteTable();
      } catch (err) {
        if (!is404(err)) throw err;
      }
    });
  }

  /** MERGE into an existing row (If-Match *): a missing row is a no-op, never a resurrection. */
  private async mergeExisting(workflowId: string, cols: IndexEntityColumns, op: string): Promise<void> {
    if (Object.keys(cols).length === 0) return;
    await guarded(this.endpoint, `${op} ${workflowId}`, async () => {
      try {
        await this.table.mergeExisting({ ...this.key(workflowId), ...cols });
      } catch (err) {
        if (!is404(err)) throw err;
      }
    });
  }
}

/** `@azure/data-tables`, imported on the first call (it weighs ≈ 20 MB and ≈ 0.2 s of CPU to load). */
class LazySdkEntityTable implements EntityTable {
  private loaded: Promise<EntityTable> | null = null;
  constructor(
    private readonly account: AccountSpec,
    readonly tableName: string,
  ) {}
  private sdk(): Promise<EntityTable> {
    this.loaded ??= import('./table-client.js').then((m) =>
      m.createSdkEntityTable(this.account, this.tableName),
    );
    return this.loaded;
  }
  createTable = async () => (await this.sdk()).createTable();
  deleteTable = async () => (await this.sdk()).deleteTable();
  createEntity = async (e: TableEntityInput) => (await this.sdk()).createEntity(e);
  upsertMerge = async (e: TableEntityInput) => (await this.sdk()).upsertMerge(e);
  mergeExisting = async (e: TableEntityInput) => (await this.sdk()).mergeExisting(e);
  getEntity = async (pk: string, rk: string, select?: readonly string[]) =>
    (await this.sdk()).getEntity(pk, rk, select);
  deleteEntity = async (pk: string, rk: string) => (await this.sdk()).deleteEntity(pk, rk);
  queryEntities = async (filter: string) => (await this.sdk()).queryEntities(filter);
}

/**
 * The index table of `prefix` on `account` through the client `JOBQ_HTTP_CLIENT` selects (or the one
 * given: tests run both).
 */
export function indexEntityTable(
  account: AccountSpec,
  prefix: string,
  client = httpClientChoice(),
): EntityTable {
  const name = resourceNames(prefix).indexTable;
  return client === 'sdk'
    ? new LazySdkEntityTable(account, name)
    : new RestEntityTable(tableRestEndpoint(account), name);
}

/** Open the index of `prefix` on `account` (the lean client unless `JOBQ_HTTP_CLIENT=sdk`, or `client`). */
export function createAzureIndexStore(
  account: AccountSpec,
  prefix: string,
  client = httpClientChoice(),
): IndexStore {
  return new AzureIndexStore(indexEntityTable(account, prefix, client), tableEndpoint(account));
}
