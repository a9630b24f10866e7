/** Compose the Azure (or Azurite) Backend of a target: state, index, outputs, lease, queues. */
import type { Backend } from '../../ports/backend.js';
import type { Target } from '../../config/types.js';
import { StorageUnreachableError } from '../../errors.js';
import { probePort } from '../../azurite/embedded.js';
import { silentLogger, type Logger } from '../../log.js';
import { createQueuePool } from '../queue-pool.js';
import { composeBackend } from '../compose.js';
import { createAzureStateStore } from './state-store.js';
import { createAzureIndexStore } from './index-store.js';
import { createAzureOutputStore } from './output-store.js';
import { createAzureTaskLogStore } from './log-store.js';
import { createAzureLease } from './lease.js';
import { blobEndpoint, describeAccount } from './clients.js';
import { unreachableMessage } from './errors.js';

export interface OpenAzureOptions {
  logger?: Logger;
  /** With an Azurite account, check the ports listen first (default true). */
  checkReachable?: boolean;
}

/** Throw StorageUnreachableError (naming `jobq azurite`) if an Azurite target has nothing listening. */
export async function assertAzuriteReachable(target: Target): Promise<void> {
  const accounts = [target.storage, target.blobs.account];
  if (target.queues.kind === 'storage') accounts.push(target.queues.account);
  for (const a of accounts) {
    if (a.kind !== 'azurite') continue;
    const checks: [number, string][] = [
      [a.blobPort, blobEndpoint(a)],
      [a.tablePort, `http://${a.host}:${a.tablePort}/${a.account}`],
      [a.queuePort, `http://${a.host}:${a.queuePort}/${a.account}`],
    ];
    for (const [port, endpoint] of checks) {
      // Only a refused connection proves nothing listens; a slow answer is left to the real calls.
      if ((await probePort(port, a.host)) === 'refused')
        throw new StorageUnreachableError(unreachableMessage(endpoint));
    }
  }
}

/** Open the backend of `target` (no resources created: call `ensureResources()`). */
export async function openAzureBackend(target: Target, opts: OpenAzureOptions = {}): Promise<Backend> {
  if (opts.checkReachable ?? true) await assertAzuriteReachable(target);
  const logger = (opts.logger ?? silentLogger()).child({ prefix: target.prefix });
  const state = createAzureStateStore(target.storage, target.prefix);
  const index = createAzureIndexStore(target.storage, target.prefix);
  const outputs = createAzureOutputStore(target);
  const logs = createAzureTaskLogStore(target.storage, target.prefix);
  const lease = createAzureLease(target.storage, target.prefix);
  const queues = createQueuePool(target.queues, { logger });
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
  });
}
