import { describe, it, expect } from 'vitest';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { openAzureBackend } from '../../../src/adapters/azure/open.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { createAzureStateStore } from '../../../src/adapters/azure/state-store.js';
import { freePort } from '../../../src/azurite/embedded.js';
import { isJobqError } from '../../../src/errors.js';
import { translateError } from '../../../src/adapters/azure/errors.js';
import type { AccountSpec, Target } from '../../../src/config/types.js';
import type { Backend } from '../../../src/ports/backend.js';
import { sampleDocs } from '../../support/conformance/storage-state.js';
import { sampleColumns } from '../../support/conformance/storage-index.js';

const targetOf = (account: AccountSpec, prefix: string): Target => ({
  storage: account,
  prefix,
  queues: { kind: 'storage', account },
  blobs: { account, container: 'jobq-workflow-data' },
});

async function exercise(backend: Backend): Promise<void> {
  await backend.ensureResources();
  await backend.ensureResources(); // idempotent
  const { def, state } = sampleDocs('wf-open-1');
  await backend.state.createWorkflow(def, state);
  await backend.index.upsert('wf-open-1', sampleColumns());
  await backend.completions.send('{"hello":1}');
  const got = await backend.completions.receive(1, 30);
  expect(got.map((m) => m.body)).toEqual(['{"hello":1}']);
  await backend.completions.delete(got[0]);
  expect((await backend.state.load('wf-open-1'))!.def).toEqual(def);
  expect((await backend.index.get('wf-open-1'))!.name).toBe('sample');
  await backend.close();
}

describe('opening a backend: JOBQ_HTTP_CLIENT', () => {
  const withClient = async (value: string | undefined, fn: () => Promise<void>) => {
    const old = process.env.JOBQ_HTTP_CLIENT;
    if (value === undefined) delete process.env.JOBQ_HTTP_CLIENT;
    else process.env.JOBQ_HTTP_CLIENT = value;
    try {
      await fn();
    } finally {
      if (old === undefined) delete process.env.JOBQ_HTTP_CLIENT;
      else process.env.JOBQ_HTTP_CLIENT = old;
    }
  };

  for (const [value, queueClass] of [
    [undefined, 'RestStorageQueueClient'],
    ['lean', 'RestStorageQueueClient'],
    ['sdk', 'StorageQueueClient'],
  ] as const) {
    it(`${value ?? 'unset'}: every port works, with ${queueClass} queues`, async () => {
      await withClient(value, async () => {
        const backend = await openAzureBackend(targetOf(azuriteAccount(), uniquePrefix('Http')));
        expect(backend.completions.constructor.name).toBe(queueClass);
        await exercise(backend);
      });
    });
  }

  it('an unknown value is a configuration error naming both choices', async () => {
    await withClient('fast', async () => {
      const err = await openAzureBackend(targetOf(azuriteAccount(), uniquePrefix('Http'))).catch(
        (e: unknown) => e,
      );
      expect(isJobqError(err, 'ConfigError')).toBe(true);
      expect(String((err as Error).message)).toMatch(/JOBQ_HTTP_CLIENT must be 'lean'.*or 'sdk'.*got 'fast'/);
    });
  });
});

describe('opening a backend', () => {
  it('Azurite: every port works on the completion queue <prefix lower>-workflow-completions', async () => {
    const prefix = uniquePrefix('Open');
    const backend = await openAzureBackend(targetOf(azuriteAccount(), prefix));
    expect(backend.kind).toBe('azure');
    expect(backend.completions.name).toBe(`${prefix.toLowerCase()}-workflow-completions`);
    expect(backend.target).toContain(prefix);
    await exercise(backend);
  });

  it('memory: two backends on one world share blobs, rows and queues', async () => {
    const world = createMemoryWorld();
    const a = openMemoryBackend(world, 'Mem');
    const b = openMemoryBackend(world, 'Mem');
    await exercise(a);
    expect((await b.state.load('wf-open-1'))!.def.name).toBe('sample');
    await b.completions.send('x');
    expect((await a.completions.receive(1, 30)).map((m) => m.body)).toEqual(['x']);
  });

  it('says how to fix it, in one line, when nothing listens on the Azurite ports', async () => {
    const port = await freePort();
    const closed: AccountSpec = {
      kind: 'azurite',
      account: 'devstoreaccount1',
      host: '127.0.0.1',
      blobPort: port,
      queuePort: port,
      tablePort: port,
    };
    const err = await openAzureBackend(targetOf(closed, 'Local')).catch((e: unknown) => e);
    expect(isJobqError(err, 'StorageUnreachableError')).toBe(true);
    expect((err as Error).message).toBe(
      `Cannot reach Azure Storage at http://127.0.0.1:${port}/devstoreaccount1: nothing is listening. ` +
        'Start the embedded Azurite with `jobq azurite`, or set JOBQ_WORKFLOW_PREFIX=<account>/<prefix>.',
    );
    expect((err as { exitCode: number }).exitCode).toBe(2);
  });

  it('an adapter call against a closed port is translated to StorageUnreachableError, not a stack trace', async () => {
    const port = await freePort();
    const closed: AccountSpec = {
      kind: 'azurite',
      account: 'devstoreaccount1',
      host: '127.0.0.1',
      blobPort: port,
      queuePort: port,
      tablePort: port,
    };
    const err = await createAzureStateStore(closed, 'Local')
      .load('wf-x')
      .catch((e: unknown) => e);
    expect(isJobqError(err, 'StorageUnreachableError')).toBe(true);
    expect((err as Error).message).toContain('`jobq azurite`');
  }, 60_000);

  it('translates SDK failures: DNS failure on a real account → network advice; 503 → transient; 403 untouched', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND nosuchacct.blob.core.windows.net'), {
      code: 'ENOTFOUND',
    });
    const remote = translateError(dns, 'https://nosuchacct.blob.core.windows.net', 'read x');
    expect(isJobqError(remote, 'StorageUnreachableError')).toBe(true);
    expect((remote as Error).message).toBe(
      'Cannot reach Azure Storage at https://nosuchacct.blob.core.windows.net (ENOTFOUND): check the account name ' +
        'and the network, or set JOBQ_WORKFLOW_PREFIX=<account>/<prefix>.',
    );
    const busy = translateError(Object.assign(new Error('Server busy'), { statusCode: 503 }), 'e', 'write y');
    expect(isJobqError(busy, 'TransientStorageError')).toBe(true);
    const denied = Object.assign(new Error('AuthorizationFailure'), { statusCode: 403 });
    expect(translateError(denied, 'e', 'op')).toBe(denied);
  });
});
