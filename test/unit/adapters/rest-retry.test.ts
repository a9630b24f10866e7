/**
 * Retry and error translation of the lean client against a real local HTTP server that answers with
 * scripted statuses or drops the connection: the SDK adapters' StorageRetryPolicy rules (socket errors
 * and 500/503 retried with exponential back-off, other statuses not) and the jobq error taxonomy.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RestEndpoint,
  StorageRestError,
  isRetriable,
  retryDelayMs,
} from '../../../src/adapters/azure/rest/http.js';
import { sharedKeyCredential } from '../../../src/adapters/azure/rest/auth.js';
import { RestBlobBucket } from '../../../src/adapters/azure/rest/blob-bucket.js';
import { RestStorageQueueClient } from '../../../src/adapters/azure/rest/storage-queue.js';
import { BlobStateStore } from '../../../src/adapters/blob-state-store.js';
import { STORAGE_RETRY } from '../../../src/adapters/azure/retry-options.js';
import { isJobqError } from '../../../src/errors.js';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../../src/config/defaults.js';
import { freePort } from '../../../src/azurite/embedded.js';

type Step = number | 'reset';
let script: Step[] = [];
let seen: { method: string; url: string; auth: string | undefined }[] = [];
let server: Server;
let base = '';

function answer(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization });
  req.resume();
  const step = script.shift() ?? 200;
  if (step === 'reset') {
    req.socket.destroy();
    return;
  }
  if (step >= 400) {
    const code = step === 412 ? 'ConditionNotMet' : step === 409 ? 'LeaseAlreadyPresent' : `Status${step}`;
    res.writeHead(step, { 'content-type': 'application/xml', 'x-ms-error-code': code });
    res.end(
      `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>scripted ${step}</Message></Error>`,
    );
    return;
  }
  res.writeHead(step, { etag: '"0x1"', 'content-type': 'application/xml' });
  res.end(req.url?.includes('/messages') ? '<QueueMessagesList></QueueMessagesList>' : '');
}

const FAST = { ...STORAGE_RETRY, retryDelayInMs: 5, maxRetryDelayInMs: 20 };
const key = () => ({
  kind: 'shared-key' as const,
  credential: sharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY),
});

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${AZURITE_ACCOUNT}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function run(steps: Step[]) {
  script = [...steps];
  seen = [];
  return new RestEndpoint(base, key(), FAST);
}

describe('lean client retries as StorageRetryPolicy does', () => {
  it('the back-off schedule with jobq settings is 0, 200, 600 ms before tries 2–4, capped at 5 s', () => {
    expect([1, 2, 3].map((a) => retryDelayMs(a, STORAGE_RETRY))).toEqual([0, 200, 600]);
    expect(retryDelayMs(10, STORAGE_RETRY)).toBe(5_000);
  });

  it('503, 500 and a dropped connection are retried until an answer arrives', async () => {
    const ep = run([503, 'reset', 500]);
    const res = await ep.send({ op: 'get', method: 'GET', path: '/c/b' });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(4);
    expect(seen.every((s) => s.auth?.startsWith(`SharedKey ${AZURITE_ACCOUNT}:`))).toBe(true);
  });

  it('gives up after 4 tries with the last error', async () => {
    const ep = run([503, 503, 503, 503, 200]);
    const err = await ep.send({ op: 'get', method: 'GET', path: '/c/b' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageRestError);
    expect((err as StorageRestError).statusCode).toBe(503);
    expect(seen).toHaveLength(4);
  });

  it('4xx, 408, 429 and 502 are not retried (the SDK policy retries only 500 and 503)', async () => {
    for (const status of [400, 403, 404, 408, 409, 412, 429, 502]) {
      const ep = run([status, 200]);
      const err = await ep.send({ op: 'get', method: 'GET', path: '/c/b' }).catch((e: unknown) => e);
      expect((err as StorageRestError).statusCode).toBe(status);
      expect(seen).toHaveLength(1);
    }
    expect(isRetriable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetriable(new Error('bad input'))).toBe(false);
  });

  it('the error carries the status and the service error code the SDK errors carry', async () => {
    const ep = run([412]);
    const err = (await ep
      .send({ op: 'put', method: 'PUT', path: '/c/b', body: 'x' })
      .catch((e: unknown) => e)) as StorageRestError;
    expect(err.statusCode).toBe(412);
    expect(err.code).toBe('ConditionNotMet');
    expect(err.details.errorCode).toBe('ConditionNotMet');
    expect(err.message).toBe('scripted 412');
  });
});

describe('lean client error translation', () => {
  it('412 on a state flush is StateConflictError; 409 on create is WorkflowExistsError', async () => {
    const store = new BlobStateStore(
      new RestBlobBucket(run([]), 'p-workflows', { kind: 'aad', account: 'x' }),
    );
    const doc = {
      v: 1,
      workflow_id: 'w',
      workflow_state: 'running',
      cancel_requested: false,
      updated_at: '',
      error: null,
      tasks: {},
    } as const;
    script = [412];
    await expect(store.saveState(doc, '"0x0"')).rejects.toSatisfy((e: unknown) =>
      isJobqError(e, 'StateConflictError'),
    );
    script = [409];
    await expect(
      store.createWorkflow(
        {
          ...doc,
          name: 'w',
          default_queue: 'q',
          result_policy: 'all_sinks_succeed',
          max_parallelism: null,
          created_at: '',
          tasks: {},
        } as never,
        doc,
      ),
    ).rejects.toSatisfy((e: unknown) => isJobqError(e, 'WorkflowExistsError'));
    script = [404, 404]; // state blob, then the legacy blob
    expect(await store.loadState('w')).toBeNull();
  });

  it('500s that outlast the retries are TransientStorageError; a dead port is StorageUnreachableError', async () => {
    const q = new RestStorageQueueClient(run([500, 500, 500, 500]), 'q', 'q');
    const err = await q.receive(32, 30).catch((e: unknown) => e);
    expect(isJobqError(err, 'TransientStorageError')).toBe(true);
    expect(String((err as Error).message)).toMatch(
      /^receive messages failed transiently at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/q/,
    );
    const dead = new RestStorageQueueClient(
      new RestEndpoint(`http://127.0.0.1:${await freePort()}/${AZURITE_ACCOUNT}`, key(), FAST),
      'q',
      'q',
    );
    const down = await dead.receive(32, 30).catch((e: unknown) => e);
    expect(isJobqError(down, 'StorageUnreachableError')).toBe(true);
  });

  it('a SAS is appended to every URL and no Authorization header is sent', async () => {
    script = [];
    seen = [];
    const ep = new RestEndpoint(base, { kind: 'sas', query: '?sv=2022-11-02&sig=a%2Fb' }, FAST);
    await ep.send({ op: 'get', method: 'GET', path: '/c/b', query: [['comp', 'x']] });
    expect(seen[0].url).toBe(`/${AZURITE_ACCOUNT}/c/b?comp=x&sv=2022-11-02&sig=a%2Fb`);
    expect(seen[0].auth).toBeUndefined();
  });

  it('a token credential is asked once and its token sent as a bearer', async () => {
    let asked = 0;
    const credential = {
      getToken: async () => (asked++, { token: 'tok-1', expiresOnTimestamp: Date.now() + 3600_000 }),
    };
    const ep = new RestEndpoint(base, { kind: 'token', credential }, FAST);
    script = [];
    seen = [];
    await Promise.all([1, 2, 3].map(() => ep.send({ op: 'get', method: 'GET', path: '/c/b' })));
    expect(asked).toBe(1);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
  });
});
