/** Compose the Azure (or Azurite) Backend of a target: state, index, outputs, lease, queues. */
import type { Backend } from '../../ports/backend.js';
import type { Target } from '../../config/types.js';
import { StorageUnreachableError } from '../../errors.js';
import { probePort } from '../../azurite/port-probe.js';
import { silentLogger, type Logger } from '../../log.js';
import { createQueuePool } from '../queue-pool.js';
import { composeBackend } from '../compose.js';
import { createAzureIndexStore } from './index-store.js';
import { blobEndpoint, describeAccount } from './endpoints.js';
import { unreachableMessage } from './errors.js';
import { httpClientChoice } from './http-client.js';
import type { StorageQueueFactory } from '../queue-pool.js';
import type { StateStore } from '../../ports/state-store.js';
import type { OutputStore } from '../../ports/output-store.js';
import type { CoordinatorLease } from '../../ports/lease.js';
import type { TaskLogStore } from '../../ports/task-log-store.js';
import type { BlobBucket } from '../blob-bucket.js';
import { BlobTaskCacheStore } from '../blob-task-cache.js';
import { BlobLockStore } from '../blob-lock-store.js';
import { resourceNames } from '../names.js';

/** The blob and queue parts of a backend, from the client JOBQ_HTTP_CLIENT selects. */
interface BlobQueueParts {
  state: StateStore;
  outputs: OutputStore;
  logs: TaskLogStore;
  lease: CoordinatorLease;
  storageQueue: StorageQueueFactory;
  /** `<prefix lower>-jobq-ext`: task cache entries and lock holds (jobq extensions). */
  ext: BlobBucket;
}

/** Only the chosen client's modules are loaded (the SDK's weigh tens of MB). */
async function blobQueueParts(target: Target): Promise<BlobQueueParts> {
  if (httpClientChoice() === 'sdk') {
    const [
      { createAzureStateStore },
      { createAzureOutputStore },
      { createAzureTaskLogStore },
      { createAzureLease },
      { sdkStorageQueueFactory },
      { AzureBlobBucket },
      { createBlobServiceClient },
    ] = await Promise.all([
      import('./state-store.js'),
      import('./output-store.js'),
      import('./log-store.js'),
      import('./lease.js'),
      import('./storage-queue.js'),
      import('./blob-bucket.js'),
      import('./clients.js'),
    ]);
    return {
      state: createAzureStateStore(target.storage, target.prefix),
      outputs: createAzureOutputStore(target),
      logs: createAzureTaskLogStore(target.storage, target.prefix),
      lease: createAzureLease(target.storage, target.prefix),
      storageQueue: sdkStorageQueueFactory(),
      ext: new AzureBlobBucket(
        createBlobServiceClient(target.storage).getContainerClient(resourceNames(target.prefix).extContainer),
        blobEndpoint(target.storage),
      ),
    };
  }
  const rest = await import('./rest/open.js');
  return {
    state: rest.createRestStateStore(target.storage, target.prefix),
    outputs: rest.createRestOutputStore(target),
    logs: rest.createRestTaskLogStore(target.storage, target.prefix),
    lease: rest.createRestLease(target.storage, target.prefix),
    storageQueue: rest.createRestStorageQueue,
    ext: rest.createRestExtBucket(target.storage, target.prefix),
  };
}

export interface OpenAzureOptions {
  logger?: Logger;
  /** With an Azurite account, check the ports listen first (default true). */
  checkReachable?: boolean;
}

/**
 * Throw StorageUnreachableError (naming `jobq azurite`) if an Azurite target has nothing listening. Each
 * distinct host:port is probed once (state, blobs and queues are usually one account), all at once; the
 * error names the first refused endpoint in blob, table, queue order.
 */
export async function assertAzuriteReachable(target: Target): Promise<void> {
  const accounts = [target.storage, target.blobs.account];
  if (target.queues.kind === 'storage') accounts.push(target.queues.account);
  const endpoints = new Map<string, { host: string; port: number; endpoint: string }>();
  for (const a of accounts) {
    if (a.kind !== 'azurite') continue;
    const checks: [number, string][] = [
      [a.blobPort, blobEndpoint(a)],
      [a.tablePort, `http://${a.host}:${a.tablePort}/${a.account}`],
      [a.queuePort, `http://${a.host}:${a.queuePort}/${a.account}`],
    ];
    for (const [port, endpoint] of checks) {
      const key = `${a.host}:${port}`;
      if (!endpoints.has(key)) endpoints.set(key, { host: a.host, port, endpoint });
    }
  }
  const probes = [...endpoints.values()];
  // Only a refused connection proves nothing listens; a slow answer is left to the real calls.
  const results = await Promise.all(probes.map((p) => probePort(p.port, p.host)));
  const refused = probes.find((_, i) => results[i] === 'refused');
  if (refused) throw new StorageUnreachableError(unreachableMessage(refused.endpoint));
}

/** Open the backend of `target` (no resources created: call `ensureResources()`). */
export async function openAzureBackend(target: Target, opts: OpenAzureOptions = {}): Promise<Backend> {
  // The probe and the adapter modules' load overlap (building the parts does no I/O; on a refused
  // probe they are dropped).
  const [, { state, outputs, logs, lease, storageQueue, ext }] = await Promise.all([
    (opts.checkReachable ?? true) ? assertAzuriteReachable(target) : undefined,
    blobQueueParts(target),
  ]);
  const logger = (opts.logger ?? silentLogger()).child({ prefix: target.prefix });
  const index = createAzureIndexStore(target.storage, target.prefix);
  const queues = createQueuePool(target.queues, { logger, storageQueue });
  return composeBackend({
    kind: 'azure',
    target: `${describeAccount(target.storage)}/${target.prefix}`,
    prefix: target.prefix,
    state,
    index,
    outputs,
    logs,
    lease,
    queues,
    cache: new BlobTaskCacheStore(ext),
    locks: new BlobLockStore(ext),
  });
}
