/**
 * The lean Table client sends what `@azure/data-tables` sends for the index store's calls: both
 * clients talk to one recording HTTP server on loopback, and each operation's method, path, query,
 * body and conditional headers must agree; the SDK's own Shared Key Lite signature must equal the lean
 * signer's for the SDK's request, and the lean request must carry the signature of its own headers.
 * Query pages, continuation tokens and `odata.error` bodies are read as the service writes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AzureNamedKeyCredential, TableClient } from '@azure/data-tables';
import {
  sharedKeyCredential,
  tableSharedKeyLiteStringToSign,
} from '../../../src/adapters/azure/rest/auth.js';
import {
  parseAnyErrorBody,
  RestEndpoint,
  StorageRestError,
  TABLE_PROFILE,
} from '../../../src/adapters/azure/rest/http.js';
import {
  continuationOf,
  entityBody,
  entityOf,
  pageRows,
  RestEntityTable,
} from '../../../src/adapters/azure/rest/table.js';
import { SdkEntityTable } from '../../../src/adapters/azure/table-client.js';
import type { EntityTable, TableEntityInput } from '../../../src/adapters/azure/entity-table.js';
import { odataString } from '../../../src/adapters/azure/entity-table.js';
import { shardFilter } from '../../../src/adapters/azure/index-store.js';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../../src/config/defaults.js';
import { errorCodeOf, statusOf } from '../../../src/adapters/azure/errors.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const TABLE = 'perfWorkflowsIndex';
let server: http.Server;
let seen: Seen[] = [];
/** What the next request is answered with (default: an empty success fitting the method). */
let answer: ((req: Seen) => { status: number; headers?: Record<string, string>; body?: string }) | null =
  null;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(s);
      const a = answer?.(s) ?? {
        status: s.method === 'GET' ? 200 : 204,
        headers: { 'content-type': 'application/json' },
        body:
          s.method === 'GET'
            ? s.url.includes('()')
              ? '{"value":[]}'
              : '{"PartitionKey":"p","RowKey":"r"}'
            : '',
      };
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${AZURITE_ACCOUNT}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

function sdkTable(): EntityTable {
  return new SdkEntityTable(
    new TableClient(base, TABLE, new AzureNamedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY), {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    }),
  );
}

function leanTable(): RestEntityTable {
  const auth = {
    kind: 'shared-key' as const,
    credential: sharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY),
  };
  const retry = { maxTries: 1, tryTimeoutInMs: 5_000, retryDelayInMs: 1, maxRetryDelayInMs: 1 };
  return new RestEntityTable(new RestEndpoint(base, auth, retry, TABLE_PROFILE), TABLE);
}

/** Run `op` through a client and return the one request it sent. */
async function requestOf(op: (t: EntityTable) => Promise<unknown>, t: EntityTable): Promise<Seen> {
  seen = [];
  await op(t);
  expect(seen).toHaveLength(1);
  return seen[0];
}

/** The signature the lean signer computes for a request as the server saw it. */
function leanSignature(s: Seen): string {
  const u = new URL(s.url, 'http://x');
  const headers: Record<string, string> = { 'x-ms-date': String(s.headers['x-ms-date']) };
  const toSign = tableSharedKeyLiteStringToSign(
    AZURITE_ACCOUNT,
    u.pathname,
    [...u.searchParams.entries()],
    headers,
  );
  return `SharedKeyLite ${AZURITE_ACCOUNT}:${sharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY).computeHMACSHA256(toSign)}`;
}

function queryOf(s: Seen): [string, string][] {
  return [...new URL(s.url, 'http://x').searchParams.entries()]
    .filter(([k]) => k !== '$format') // the SDK names its metadata level in the query too
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

const ENTITY: TableEntityInput = {
  partitionKey: 'wf-0a',
  rowKey: "wf o'brien é/1",
  name: 'n',
  workflow_state: 'running',
  cancel_requested: false,
  total_tasks: 1000,
  created_at: new Date('2026-12-01T10:00:00.000Z'),
  error: '',
};

const OPERATIONS: [string, (t: EntityTable) => Promise<unknown>][] = [
  ['create table', (t) => t.createTable()],
  ['delete table', (t) => t.deleteTable()],
  ['insert', (t) => t.createEntity(ENTITY)],
  ['insert-or-merge', (t) => t.upsertMerge(ENTITY)],
  ['merge existing', (t) => t.mergeExisting({ partitionKey: 'wf-0a', rowKey: 'x', cancel_requested: true })],
  ['point read with $select', (t) => t.getEntity('wf-0a', "it's", ['cancel_requested'])],
  ['delete row', (t) => t.deleteEntity('wf-0a', 'r 1')],
  ['query', (t) => t.queryEntities(shardFilter(3, { states: ['running', 'cancelling'] }))],
];

describe('lean Table client requests match @azure/data-tables', () => {
  it.each(OPERATIONS)(
    '%s: same method, path, query, body and conditions; both signatures verify',
    async (_, op) => {
      const sdk = await requestOf(op, sdkTable());
      const lean = await requestOf(op, leanTable());
      expect(lean.method).toBe(sdk.method);
      expect(decodeURIComponent(new URL(lean.url, 'http://x').pathname)).toBe(
        decodeURIComponent(new URL(sdk.url, 'http://x').pathname),
      );
      expect(queryOf(lean)).toEqual(queryOf(sdk));
      expect(lean.body ? JSON.parse(lean.body) : null).toEqual(sdk.body ? JSON.parse(sdk.body) : null);
      for (const h of ['if-match', 'prefer', 'dataserviceversion', 'x-ms-version', 'content-type'])
        expect([h, lean.headers[h]]).toEqual([h, sdk.headers[h]]);
      // Reads ask for no metadata (the SDK asks for minimal metadata, then strips it).
      if (sdk.headers.accept !== 'application/json;odata=minimalmetadata')
        expect(lean.headers.accept).toBe(sdk.headers.accept);
      // The SDK's signer and the lean one agree on the SDK's request; the lean request is self-consistent.
      expect(String(sdk.headers.authorization)).toMatch(/^SharedKeyLite /);
      expect(leanSignature(sdk)).toBe(sdk.headers.authorization);
      expect(leanSignature(lean)).toBe(lean.headers.authorization);
    },
  );

  it('reads pages with no metadata and follows both continuation tokens', async () => {
    const pages: { headers: Record<string, string>; body: string }[] = [
      {
        headers: {
          'x-ms-continuation-NextPartitionKey': '1!8!d2YtMDM-',
          'x-ms-continuation-NextRowKey': '1!4!YQ--',
        },
        body: '{"value":[{"PartitionKey":"wf-03","RowKey":"a","total_tasks":2}]}',
      },
      { headers: { 'x-ms-continuation-NextPartitionKey': '1!8!d2YtMDQ-' }, body: '{"value":[]}' },
      { headers: {}, body: '{"value":[{"PartitionKey":"wf-04","RowKey":"b","odata.etag":"W/1"}]}' },
    ];
    let page = 0;
    answer = () => ({ status: 200, ...pages[page++] });
    seen = [];
    try {
      const rows = await leanTable().queryEntities("PartitionKey ge 'wf-03'");
      expect(rows).toEqual([
        { partitionKey: 'wf-03', rowKey: 'a', total_tasks: 2 },
        { partitionKey: 'wf-04', rowKey: 'b', 'odata.etag': 'W/1' },
      ]);
    } finally {
      answer = null;
    }
    const queries = seen.map((s) => Object.fromEntries(new URL(s.url, 'http://x').searchParams));
    expect(queries).toEqual([
      { $filter: "PartitionKey ge 'wf-03'" },
      { $filter: "PartitionKey ge 'wf-03'", NextPartitionKey: '1!8!d2YtMDM-', NextRowKey: '1!4!YQ--' },
      { $filter: "PartitionKey ge 'wf-03'", NextPartitionKey: '1!8!d2YtMDQ-' },
    ]);
  });

  it('turns odata.error answers into errors with the status and code the translation rules read', async () => {
    answer = () => ({
      status: 409,
      headers: { 'content-type': 'application/json' },
      body: '{"odata.error":{"code":"EntityAlreadyExists","message":{"lang":"en-US","value":"The specified entity already exists.\\nRequestId:1"}}}',
    });
    try {
      const err = await leanTable()
        .createEntity(ENTITY)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageRestError);
      expect(statusOf(err)).toBe(409);
      expect(errorCodeOf(err)).toBe('EntityAlreadyExists');
      expect((err as Error).message).toBe('The specified entity already exists.');
      // create table swallows only TableAlreadyExists, as the SDK does.
      await expect(leanTable().createTable()).rejects.toMatchObject({ statusCode: 409 });
      answer = () => ({
        status: 409,
        body: '{"odata.error":{"code":"TableAlreadyExists","message":{"value":"x"}}}',
      });
      await expect(leanTable().createTable()).resolves.toBeUndefined();
    } finally {
      answer = null;
    }
  });
});

describe('table wire helpers', () => {
  it('writes Dates as Edm.DateTime and the keys as PartitionKey/RowKey', () => {
    expect(JSON.parse(entityBody(ENTITY))).toEqual({
      PartitionKey: 'wf-0a',
      RowKey: "wf o'brien é/1",
      name: 'n',
      workflow_state: 'running',
      cancel_requested: false,
      total_tasks: 1000,
      created_at: '2026-12-01T10:00:00.000Z',
      'created_at@odata.type': 'Edm.DateTime',
      error: '',
    });
  });

  it('reads rows without annotations and an empty page', () => {
    expect(entityOf({ PartitionKey: 'p', RowKey: 'r', 'x@odata.type': 'Edm.Int64', x: '5' })).toEqual({
      partitionKey: 'p',
      rowKey: 'r',
      x: '5',
    });
    expect(pageRows(Buffer.alloc(0))).toEqual([]);
    expect(continuationOf({ headers: {} })).toBeNull();
    expect(continuationOf({ headers: { 'x-ms-continuation-nextpartitionkey': 'a' } })).toEqual({
      pk: 'a',
      rk: null,
    });
  });

  it('quotes OData strings as the SDK odata tag does', () => {
    expect(odataString("o'brien")).toBe("'o''brien'");
    expect(shardFilter(15, { states: ['pending'], cancelRequested: true })).toBe(
      "PartitionKey eq 'wf-0f' and (workflow_state eq 'pending') and cancel_requested eq true",
    );
  });

  it('parses XML and JSON error bodies', () => {
    expect(
      parseAnyErrorBody('<?xml version="1.0"?><Error><Code>BlobNotFound</Code><Message>m</Message></Error>'),
    ).toEqual({
      code: 'BlobNotFound',
      message: 'm',
    });
    expect(
      parseAnyErrorBody('{"odata.error":{"code":"ResourceNotFound","message":{"value":"gone"}}}'),
    ).toEqual({
      code: 'ResourceNotFound',
      message: 'gone',
    });
    expect(parseAnyErrorBody('{not json')).toEqual({});
  });
});
