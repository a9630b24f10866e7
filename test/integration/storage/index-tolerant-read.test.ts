import { describe, it, expect, beforeAll } from 'vitest';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { createAzureIndexStore } from '../../../src/adapters/azure/index-store.js';
import { createTableClient } from '../../../src/adapters/azure/clients.js';
import { resourceNames } from '../../../src/adapters/names.js';
import { partitionKeyOf, type IndexStore } from '../../../src/ports/index-store.js';
import type { TableClient } from '@azure/data-tables';

describe('index rows written by other writers', () => {
  let index: IndexStore;
  let table: TableClient;
  beforeAll(async () => {
    const prefix = uniquePrefix('Tol');
    index = createAzureIndexStore(azuriteAccount(), prefix);
    await index.ensureResources();
    table = createTableClient(azuriteAccount(), resourceNames(prefix).indexTable);
  });

  it('reads a sparse row with naive timestamps and string counts, defaulting the rest', async () => {
    await table.createEntity({
      partitionKey: partitionKeyOf('wf-sparse'),
      rowKey: 'wf-sparse',
      name: 'old',
      created_at: '2026-11-20T10:00:00.123456',
      updated_at: '2026-11-20 11:00:00',
      total_tasks: '7',
      workflow_state: 'bogus',
    });
    const row = await index.get('wf-sparse');
    expect(row).toMatchObject({
      workflowId: 'wf-sparse',
      name: 'old',
      workflowState: 'pending',
      cancelRequested: false,
      totalTasks: 7,
      completedTasks: 0,
      queuesUsed: [],
      error: null,
      createdAt: '2026-11-20T10:00:00.123Z',
      updatedAt: '2026-11-20T11:00:00.000Z',
    });
  });

  it('writes the reference column set: comma-joined queues, datetimes and an empty error string', async () => {
    await index.upsert('wf-cols', {
      name: 'n',
      workflowState: 'completed',
      totalTasks: 2,
      completedTasks: 2,
      failedTasks: 0,
      runningTasks: 0,
      pendingTasks: 0,
      skippedTasks: 0,
      defaultQueue: 'cpu',
      queuesUsed: ['gpu', 'cpu'],
      createdAt: '2026-11-25T10:00:00.000Z',
      updatedAt: '2026-11-25T10:05:00.000Z',
      error: null,
    });
    const raw = await table.getEntity<Record<string, unknown>>(partitionKeyOf('wf-cols'), 'wf-cols');
    expect(raw).toMatchObject({
      queues_used: 'cpu,gpu',
      error: '',
      workflow_state: 'completed',
      total_tasks: 2,
    });
    expect(raw).toHaveProperty('cancel_requested', false);
    expect(new Date(raw.created_at as string).toISOString()).toBe('2026-11-25T10:00:00.000Z');
  });
});
