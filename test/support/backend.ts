/** Open the test Azurite as a jobq Backend, to check what CLI runs wrote (or did not write). */
import { openAzureBackend } from '../../src/adapters/azure/open.js';
import { DEFAULT_BLOBS_CONTAINER } from '../../src/config/defaults.js';
import type { Backend } from '../../src/ports/backend.js';
import { azuriteAccount } from './azurite.js';

export async function openTestBackend(prefix: string): Promise<Backend> {
  const account = azuriteAccount();
  return openAzureBackend({
    storage: account,
    prefix,
    queues: { kind: 'storage', account },
    blobs: { account, container: DEFAULT_BLOBS_CONTAINER },
  });
}

/** Workflow IDs with blobs and with index rows under `prefix` (empty when the resources do not exist). */
export async function writtenIds(backend: Backend): Promise<{ blobs: string[]; rows: string[] }> {
  const blobs = await backend.state.listWorkflowIds().catch(() => [] as string[]);
  const rows = (await backend.index.list().catch(() => [])).map((r) => r.workflowId);
  return { blobs: blobs.sort(), rows: rows.sort() };
}
