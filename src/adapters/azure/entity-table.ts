/**
 * The Table Storage operations the index store needs, on one table: the primitive both HTTP clients
 * implement (`rest/table.ts` over node:http, `table-client.ts` over `@azure/data-tables`), so the
 * index logic in `index-store.ts` exists once. Failures keep the service's status (`statusCode`,
 * `details.errorCode`), so `errors.ts` translates both clients alike.
 */

/** Column values as jobq writes them; a Date is written as an `Edm.DateTime`. */
export type EntityValue = string | number | boolean | Date;

/** A row: PartitionKey, RowKey and columns, as the SDK names them. */
export interface TableEntityInput {
  partitionKey: string;
  rowKey: string;
  [column: string]: EntityValue;
}

/** A row as read: `partitionKey`/`rowKey` plus the stored columns (datetimes as Date or ISO text). */
export type TableEntityRead = Record<string, unknown>;

export interface EntityTable {
  readonly tableName: string;
  /** Create the table; one that exists already is fine (409 TableAlreadyExists is swallowed). */
  createTable(): Promise<void>;
  /** Delete the table (404 when it is missing). */
  deleteTable(): Promise<void>;
  /** Insert a row that must not exist (409 EntityAlreadyExists otherwise). */
  createEntity(entity: TableEntityInput): Promise<void>;
  /** Insert-or-merge: creates the row or merges these columns into it. */
  upsertMerge(entity: TableEntityInput): Promise<void>;
  /** Merge these columns into an existing row (`If-Match: *`; 404 when the row is gone). */
  mergeExisting(entity: TableEntityInput): Promise<void>;
  /** One row (404 when missing); `select` limits the columns read. */
  getEntity(partitionKey: string, rowKey: string, select?: readonly string[]): Promise<TableEntityRead>;
  /** Delete one row (404 when missing). */
  deleteEntity(partitionKey: string, rowKey: string): Promise<void>;
  /** Every row matching an OData filter ('' = all rows), following continuation tokens. */
  queryEntities(filter: string): Promise<TableEntityRead[]>;
}

/** An OData string literal: single-quoted, inner quotes doubled (what the SDK's `odata` tag does). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
