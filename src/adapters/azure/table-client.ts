/** The SDK TableClient of one table of an account (the index store's client with `JOBQ_HTTP_CLIENT=sdk`). */
import { AzureNamedKeyCredential, TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { AccountSpec } from '../../config/types.js';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../config/defaults.js';
import { STORAGE_RETRY } from './retry-options.js';
import { tableEndpoint } from './endpoints.js';
import { aadCredential } from './credential.js';
import type { EntityTable, TableEntityInput, TableEntityRead } from './entity-table.js';

const TABLE_OPTIONS: TableServiceClientOptions = {
  retryOptions: {
    maxRetries: STORAGE_RETRY.maxTries - 1,
    retryDelayInMs: STORAGE_RETRY.retryDelayInMs,
    maxRetryDelayInMs: STORAGE_RETRY.maxRetryDelayInMs,
  },
};

/** Build a TableClient for one table of the account. */
export function createTableClient(a: AccountSpec, table: string): TableClient {
  if (a.kind === 'azurite') {
    const cred = new AzureNamedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY);
    return new TableClient(tableEndpoint(a), table, cred, {
      ...TABLE_OPTIONS,
      allowInsecureConnection: true,
    });
  }
  if (a.kind === 'connection-string') {
    const insecure = /^http:/i.test(tableEndpoint(a));
    return TableClient.fromConnectionString(a.connectionString, table, {
      ...TABLE_OPTIONS,
      allowInsecureConnection: insecure,
    });
  }
  return new TableClient(tableEndpoint(a), table, aadCredential(), TABLE_OPTIONS);
}

/** The index store's EntityTable over the SDK's TableClient (`JOBQ_HTTP_CLIENT=sdk`). */
export class SdkEntityTable implements EntityTable {
  constructor(private readonly table: TableClient) {}

  get tableName(): string {
    return this.table.tableName;
  }
  createTable(): Promise<void> {
    return this.table.createTable();
  }
  async deleteTable(): Promise<void> {
    await this.table.deleteTable();
  }
  async createEntity(entity: TableEntityInput): Promise<void> {
    await this.table.createEntity(entity);
  }
  async upsertMerge(entity: TableEntityInput): Promise<void> {
    await this.table.upsertEntity(entity, 'Merge');
  }
  async mergeExisting(entity: TableEntityInput): Promise<void> {
    await this.table.updateEntity(entity, 'Merge', { etag: '*' });
  }
  async getEntity(
    partitionKey: string,
    rowKey: string,
    select?: readonly string[],
  ): Promise<TableEntityRead> {
    const queryOptions = select && select.length > 0 ? { select: [...select] } : undefined;
    return this.table.getEntity<TableEntityRead>(partitionKey, rowKey, { queryOptions });
  }
  async deleteEntity(partitionKey: string, rowKey: string): Promise<void> {
    await this.table.deleteEntity(partitionKey, rowKey);
  }
  async queryEntities(filter: string): Promise<TableEntityRead[]> {
    const rows: TableEntityRead[] = [];
    const queryOptions = filter ? { filter } : {};
    for await (const e of this.table.listEntities<TableEntityRead>({ queryOptions })) rows.push(e);
    return rows;
  }
}

/** The SDK EntityTable of one table of the account. */
export function createSdkEntityTable(a: AccountSpec, table: string): EntityTable {
  return new SdkEntityTable(createTableClient(a, table));
}
