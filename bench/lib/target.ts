/** The jobq Target of an Azurite (or a counting proxy in front of it) for one prefix. */
import type { AzuritePorts } from '../../src/azurite/embedded.js';
import type { AccountSpec, Target } from '../../src/config/types.js';
import { AZURITE_ACCOUNT, DEFAULT_BLOBS_CONTAINER } from '../../src/config/defaults.js';

/** A Target on devstoreaccount1 at `ports` (state, queues and blobs on the same account). */
export function azuriteTarget(ports: AzuritePorts, prefix: string): Target {
  const account: AccountSpec = {
    kind: 'azurite',
    account: AZURITE_ACCOUNT,
    host: '127.0.0.1',
    blobPort: ports.blob,
    queuePort: ports.queue,
    tablePort: ports.table,
  };
  return {
    storage: account,
    prefix,
    queues: { kind: 'storage', account },
    blobs: { account, container: DEFAULT_BLOBS_CONTAINER },
  };
}
