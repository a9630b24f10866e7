/**
 * The lean client signs exactly as the SDK does: each request below is built by the SDK itself (its
 * HTTP client replaced by one that records the request and stops), and the lean client's Shared Key
 * signature of the same method, path, query and headers must equal the SDK's Authorization header.
 */
import { describe, expect, it } from 'vitest';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import {
  compareHeaderNames,
  sharedKeyCredential,
  sharedKeyStringToSign,
} from '../../../src/adapters/azure/rest/auth.js';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../../src/config/defaults.js';

interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string>;
}

class Stop extends Error {}

/** An SDK HttpClient that records the signed request and fails it (not retried: not a RestError). */
function recorder(): { log: Recorded[]; httpClient: { sendRequest(req: unknown): Promise<never> } } {
  const log: Recorded[] = [];
  return {
    log,
    httpClient: {
      async sendRequest(req: unknown): Promise<never> {
        // The SDK's compat layer hands over a WebResource (HttpHeaders with rawHeaders()), newer ones toJSON().
        const r = req as {
          method: string;
          url: string;
          headers: { toJSON?(): Record<string, string>; rawHeaders?(): Record<string, string> };
        };
        const raw = r.headers.rawHeaders?.() ?? r.headers.toJSON?.() ?? {};
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(raw)) headers[k.toLowerCase()] = v;
        log.push({ method: r.method, url: r.url, headers });
        throw new Stop('recorded');
      },
    },
  };
}

const ENDPOINT = 'http://127.0.0.1:10000/devstoreaccount1';
const QUEUE_ENDPOINT = 'http://127.0.0.1:10001/devstoreaccount1';

/** The lean client's Authorization for a recorded request. */
function leanAuthorization(r: Recorded): string {
  const u = new URL(r.url);
  const query = [...u.searchParams.entries()];
  const headers = { ...r.headers };
  delete headers.authorization;
  const toSign = sharedKeyStringToSign(AZURITE_ACCOUNT, {
    method: r.method,
    path: u.pathname,
    query,
    headers,
  });
  return `SharedKey ${AZURITE_ACCOUNT}:${sharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY).computeHMACSHA256(toSign)}`;
}

async function record(call: (rec: ReturnType<typeof recorder>) => Promise<unknown>): Promise<Recorded> {
  const rec = recorder();
  await expect(call(rec)).rejects.toThrow();
  expect(rec.log.length).toBeGreaterThan(0);
  return rec.log[0];
}

const cred = () => new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY);

describe('lean client Shared Key signing matches the SDK signer', () => {
  it('conditional blob upload (If-Match, content type, a name that needs encoding)', async () => {
    const r = await record(({ httpClient }) =>
      new BlobServiceClient(ENDPOINT, cred(), { httpClient, retryOptions: { maxTries: 1 } })
        .getContainerClient('perf-workflows')
        .getBlockBlobClient('wf é+1/a b.state.bin')
        .upload(Buffer.from('xyz'), 3, {
          conditions: { ifMatch: '"0x8DC1"' },
          blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
        }),
    );
    expect(r.headers['if-match']).toBe('"0x8DC1"');
    expect(leanAuthorization(r)).toBe(r.headers.authorization);
  });

  it('lease acquire and metadata with lease id (several x-ms- headers to sort)', async () => {
    const blob = (httpClient: ReturnType<typeof recorder>['httpClient']) =>
      new BlobServiceClient(ENDPOINT, cred(), { httpClient, retryOptions: { maxTries: 1 } })
        .getContainerClient('perf-workflows')
        .getBlockBlobClient('_coordinator.lock');
    const acquire = await record(({ httpClient }) =>
      blob(httpClient).getBlobLeaseClient('4f0e8a9c-0000-4000-8000-000000000001').acquireLease(60),
    );
    expect(leanAuthorization(acquire)).toBe(acquire.headers.authorization);
    const meta = await record(({ httpClient }) =>
      blob(httpClient).setMetadata(
        { coordinatorid: 'c-1', host: 'h', pid: '42' },
        { conditions: { leaseId: 'L' } },
      ),
    );
    expect(meta.headers['x-ms-meta-coordinatorid']).toBe('c-1');
    expect(leanAuthorization(meta)).toBe(meta.headers.authorization);
  });

  it('queue receive, and delete with a pop receipt that needs encoding', async () => {
    const queue = (httpClient: ReturnType<typeof recorder>['httpClient']) =>
      new QueueServiceClient(
        QUEUE_ENDPOINT,
        new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY),
        {
          httpClient,
          retryOptions: { maxTries: 1 },
        },
      ).getQueueClient('perf-workflow-completions');
    const receive = await record(({ httpClient }) =>
      queue(httpClient).receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 }),
    );
    expect(leanAuthorization(receive)).toBe(receive.headers.authorization);
    const del = await record(({ httpClient }) => queue(httpClient).deleteMessage('id-1', 'AgAAAAMAAAA+/=='));
    expect(leanAuthorization(del)).toBe(del.headers.authorization);
  });

  it("the SDK's own StorageSharedKeyCredential can sign for the lean client", () => {
    const s = 'GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Tue, 01 Dec 2026 20:00:00 GMT\n/devstoreaccount1/q';
    expect(cred().computeHMACSHA256(s)).toBe(
      sharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY).computeHMACSHA256(s),
    );
  });

  it('orders canonical headers as the service does (hyphens ignored first)', () => {
    const names = [
      'x-ms-version',
      'x-ms-lease-id',
      'x-ms-date',
      'x-ms-blob-type',
      'x-ms-meta-pid',
      'x-ms-leaseaction',
    ];
    expect([...names].sort(compareHeaderNames)).toEqual([
      'x-ms-blob-type',
      'x-ms-date',
      'x-ms-leaseaction',
      'x-ms-lease-id',
      'x-ms-meta-pid',
      'x-ms-version',
    ]);
  });
});
