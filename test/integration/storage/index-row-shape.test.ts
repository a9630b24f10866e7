/**
 * Issue 15 item 2: a submitted workflow's index row has every column the reference writes at creation
 * (reference §4.4), `cancel_requested: false` included, so readers and queries that filter on a column
 * (`cancel_requested eq false`) see the same row shape as for a Python-submitted workflow. The insert is
 * create-only, so it can never clear a cancel a user has already requested.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TableClient } from '@azure/data-tables';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { openTestBackend } from '../../support/backend.js';
import { REFERENCE_INDEX_COLUMNS, referenceReadIndexRow } from '../../support/reference-reader.js';
import { createTableClient } from '../../../src/adapters/azure/clients.js';
import { resourceNames } from '../../../src/adapters/names.js';
import { partitionKeyOf } from '../../../src/ports/index-store.js';
import type { Backend } from '../../../src/ports/backend.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import type { WorkflowDefinition } from '../../../src/model/types.js';

const DEF: WorkflowDefinition = {
  name: 'shape',
  default_queue: 'cpu',
  default_task_timeout_s: null,
  max_parallelism: null,
  result_policy: 'all_sinks_succeed',
  tasks: [
    {
      name: 'a',
      kwargs: { cmd: 'true' },
      depends_on: [],
      queue: 'gpu',
      dep_policy: 'all',
      timeout_s: null,
      num_retries: 0,
    },
    {
      name: 'b',
      kwargs: { cmd: 'true' },
      depends_on: ['a'],
      queue: null,
      dep_policy: 'all',
      timeout_s: null,
      num_retries: 0,
    },
  ],
};

/** Column → EDM type as the table service stores it (type conversion off). */
type RawEntity = Record<string, { value: unknown; type: string } | unknown>;

describe('index row shape at submit (reference §4.4)', () => {
  let backend: Backend;
  let client: WorkflowClient;
  let table: TableClient;
  beforeAll(async () => {
    const prefix = uniquePrefix('Shape');
    backend = await openTestBackend(prefix);
    client = new WorkflowClient({ backend });
    await client.ensureResources();
    table = createTableClient(azuriteAccount(), resourceNames(prefix).indexTable);
  });
  afterAll(async () => {
    await backend.close();
  });

  it('has exactly the reference columns, with their types, cancel_requested false', async () => {
    const { workflowId } = await client.submit(DEF, { workflowId: 'wf-shape-1' });
    const raw = await table.getEntity<Record<string, unknown>>(partitionKeyOf(workflowId), workflowId);
    const columns = Object.keys(raw).filter(
      (k) => !['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.metadata'].includes(k),
    );
    expect(columns.sort()).toEqual([...REFERENCE_INDEX_COLUMNS].sort());
    expect(raw).toMatchObject({
      name: 'shape',
      workflow_state: 'pending',
      cancel_requested: false,
      total_tasks: 2,
      completed_tasks: 0,
      failed_tasks: 0,
      running_tasks: 0,
      pending_tasks: 2,
      skipped_tasks: 0,
      default_queue: 'cpu',
      queues_used: 'cpu,gpu',
      error: '',
    });
    const typed = await table.getEntity<RawEntity>(partitionKeyOf(workflowId), workflowId, {
      disableTypeConversion: true,
    });
    const edm = (k: string) => (typed[k] as { type?: string } | undefined)?.type;
    expect(edm('created_at')).toBe('DateTime');
    expect(edm('updated_at')).toBe('DateTime');
    expect(typeof raw.cancel_requested).toBe('boolean');
    expect(referenceReadIndexRow(raw)).toMatchObject({ workflow_id: workflowId, cancel_requested: false });
  });

  it('a column query `cancel_requested eq false` finds a freshly submitted workflow', async () => {
    const { workflowId } = await client.submit(DEF, { workflowId: 'wf-shape-2' });
    const filter = `PartitionKey eq '${partitionKeyOf(workflowId)}' and cancel_requested eq false`;
    const ids: string[] = [];
    for await (const e of table.listEntities({ queryOptions: { filter } })) ids.push(String(e.rowKey));
    expect(ids).toContain(workflowId);
  });

  it('creating a row that already exists merges the owned columns and keeps a cancel', async () => {
    const { workflowId } = await client.submit(DEF, { workflowId: 'wf-shape-3' });
    expect(await backend.index.requestCancel(workflowId)).toBe(true);
    const row = await backend.index.get(workflowId);
    await backend.index.upsert(workflowId, { ...row!, name: 'renamed' });
    expect(await backend.index.get(workflowId)).toMatchObject({ name: 'renamed', cancelRequested: true });
  });
});
