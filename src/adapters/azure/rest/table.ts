/**
 * The lean client's Table Storage calls: exactly the entity operations the index store makes, as
 * JSON (`odata=nometadata`) over the shared keep-alive endpoint of the account's table service
 * (Shared Key Lite as the SDK signs it, SAS, or an Entra ID token). Requests carry the same headers,
 * paths and bodies as `@azure/data-tables` sends for these calls (a unit test compares them), and
 * failures keep the service's status and `odata.error` code.
 */
import type { EntityTable, TableEntityInput, TableEntityRead } from '../entity-table.js';
import { is409, errorCodeOf } from '../errors.js';
import type { RestCall, RestEndpoint, RestResult } from './http.js';

const JSON_NO_METADATA = 'application/json;odata=nometadata';
/**
 * Headers per call, as the SDK sends them, except that reads ask for no metadata (the SDK asks for
 * minimal metadata and then drops it again): the index reads no type annotations.
 */
const READ_HEADERS = { accept: JSON_NO_METADATA, dataserviceversion: '3.0' } as const;
const CREATE_HEADERS = { ...READ_HEADERS, 'content-type': JSON_NO_METADATA } as const;
const INSERT_HEADERS = { ...CREATE_HEADERS, prefer: 'return-no-content' } as const;
const MERGE_HEADERS = {
  accept: 'application/json',
  dataserviceversion: '3.0',
  'content-type': 'application/json',
} as const;
const DROP_HEADERS = { accept: 'application/json' } as const;

/** The continuation headers of a query page (lowercase, as node delivers them). */
const NEXT_PARTITION_KEY = 'x-ms-continuation-nextpartitionkey';
const NEXT_ROW_KEY = 'x-ms-continuation-nextrowkey';

/** A key inside an entity path: quotes doubled, then percent-encoded (the SDK's path template). */
function keyText(key: string): string {
  return encodeURIComponent(key.replace(/'/g, "''"));
}

/** The JSON body of an entity: PartitionKey/RowKey renamed, a Date as an `Edm.DateTime` annotation. */
export function entityBody(entity: TableEntityInput): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entity)) {
    const name = k === 'partitionKey' ? 'PartitionKey' : k === 'rowKey' ? 'RowKey' : k;
    if (v instanceof Date) {
      out[name] = v.toISOString();
      out[`${name}@odata.type`] = 'Edm.DateTime';
    } else out[name] = v;
  }
  return JSON.stringify(out);
}

/** A row as the service sends it (no metadata) → the SDK's shape (`partitionKey`, `rowKey`). */
export function entityOf(raw: Record<string, unknown>): TableEntityRead {
  const out: TableEntityRead = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k.includes('@odata.')) continue;
    out[k === 'PartitionKey' ? 'partitionKey' : k === 'RowKey' ? 'rowKey' : k] = v;
  }
  return out;
}

/** The rows of one query page (`{"value": [...]}`). */
export function pageRows(body: Buffer): TableEntityRead[] {
  if (body.length === 0) return [];
  const parsed = JSON.parse(body.toString('utf8')) as { value?: unknown };
  return Array.isArray(parsed.value) ? (parsed.value as Record<string, unknown>[]).map(entityOf) : [];
}

/** The continuation of a query page, or null when it was the last one. */
export function continuationOf(res: Pick<RestResult, 'headers'>): { pk: string; rk: string | null } | null {
  const pk = res.headers[NEXT_PARTITION_KEY];
  const rk = res.headers[NEXT_ROW_KEY];
  if (typeof pk !== 'string' || pk === '') return null;
  return { pk, rk: typeof rk === 'string' && rk !== '' ? rk : null };
}

/** One table of an account, over the lean client. */
export class RestEntityTable implements EntityTable {
  private readonly tablePath: string;
  constructor(
    private readonly endpoint: RestEndpoint,
    readonly tableName: string,
  ) {
    this.tablePath = `/${encodeURIComponent(tableName)}`;
  }

  private entityPath(partitionKey: string, rowKey: string): string {
    return `${this.tablePath}(PartitionKey='${keyText(partitionKey)}',RowKey='${keyText(rowKey)}')`;
  }

  private send(call: RestCall): Promise<RestResult> {
    return this.endpoint.send(call);
  }

  async createTable(): Promise<void> {
    try {
      await this.send({
        op: `create table ${this.tableName}`,
        method: 'POST',
        path: '/Tables',
        headers: { ...CREATE_HEADERS },
        body: JSON.stringify({ TableName: this.tableName }),
      });
    } catch (err) {
      if (!(is409(err) && errorCodeOf(err) === 'TableAlreadyExists')) throw err;
    }
  }

  async deleteTable(): Promise<void> {
    await this.send({
      op: `delete table ${this.tableName}`,
      method: 'DELETE',
      path: `/Tables('${keyText(this.tableName)}')`,
      headers: { ...DROP_HEADERS },
    });
  }

  async createEntity(entity: TableEntityInput): Promise<void> {
    await this.send({
      op: `insert into ${this.tableName}`,
      method: 'POST',
      path: this.tablePath,
      headers: { ...INSERT_HEADERS },
      body: entityBody(entity),
    });
  }

  async upsertMerge(entity: TableEntityInput): Promise<void> {
    await this.send({
      op: `insert-or-merge into ${this.tableName}`,
      method: 'PATCH',
      path: this.entityPath(entity.partitionKey, entity.rowKey),
      headers: { ...MERGE_HEADERS },
      body: entityBody(entity),
    });
  }

  async mergeExisting(entity: TableEntityInput): Promise<void> {
    await this.send({
      op: `merge into ${this.tableName}`,
      method: 'PATCH',
      path: this.entityPath(entity.partitionKey, entity.rowKey),
      headers: { ...MERGE_HEADERS, 'if-match': '*' },
      body: entityBody(entity),
    });
  }

  async getEntity(
    partitionKey: string,
    rowKey: string,
    select?: readonly string[],
  ): Promise<TableEntityRead> {
    const res = await this.send({
      op: `read from ${this.tableName}`,
      method: 'GET',
      path: this.entityPath(partitionKey, rowKey),
      query: select && select.length > 0 ? [['$select', select.join(',')]] : undefined,
      headers: { ...READ_HEADERS },
    });
    return entityOf(JSON.parse(res.body.toString('utf8')) as Record<string, unknown>);
  }

  async deleteEntity(partitionKey: string, rowKey: string): Promise<void> {
    await this.send({
      op: `delete from ${this.tableName}`,
      method: 'DELETE',
      path: this.entityPath(partitionKey, rowKey),
      headers: { ...READ_HEADERS, 'if-match': '*' },
    });
  }

  async queryEntities(filter: string): Promise<TableEntityRead[]> {
    const rows: TableEntityRead[] = [];
    let next: { pk: string; rk: string | null } | null = null;
    do {
      const query: [string, string][] = [];
      if (filter) query.push(['$filter', filter]);
      if (next) {
        query.push(['NextPartitionKey', next.pk]);
        if (next.rk !== null) query.push(['NextRowKey', next.rk]);
      }
      const res = await this.send({
        op: `query ${this.tableName}`,
        method: 'GET',
        path: `${this.tablePath}()`,
        query,
        headers: { ...READ_HEADERS },
      });
      for (const row of pageRows(res.body)) rows.push(row);
      next = continuationOf(res);
    } while (next);
    return rows;
  }
}
