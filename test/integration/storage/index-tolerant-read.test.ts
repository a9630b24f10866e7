import { describe, it, expect, beforeAll } from 'vitest';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { createAzureIndexStore } from '../../../src/adapters/azure/index-store.js';
import { createTableClient } from '../../../src/adapters/azure/clients.js';
import { resourceNames } from '../../../src/adapters/names.js';
import { partitionKeyOf, type IndexStore } from '../../../src/ports/index-store.js';
import type { TableClient } from '@azure/data-tables';

describe.each(['lean', 'sdk'] as const)('index rows written by other writers (%s client)', (client) => {
  let index: IndexStore;
  let table: TableClient;
  beforeAll(async () => {
    const prefix = uniquePrefix('Tol');
    index = createAzureIndexStore(azuriteAccount(), prefix, client);
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

  it('reads datetimes the reference stored as Edm.DateTime, with 7 fractional digits as Azure sends them', async () => {
    await table.createEntity({
      partitionKey: partitionKeyOf('wf-typed'),
      rowKey: 'wf-typed',
      created_at: { type: 'DateTime', value: '2026-11-21T08:30:00.1234567Z' },
      updated_at: new Date('2026-11-21T09:00:00.000Z'),
      total_tasks: { type: 'Int64', value: '12' },
      cancel_requested: true,
    });
    const row = await index.get('wf-typed');
    expect(row).toMatchObject({
      workflowId: 'wf-typed',
      cancelRequested: true,
      createdAt: '2026-11-21T08:30:00.123Z',
      updatedAt: '2026-11-21T09:00:00.000Z',
    });
    expect(await index.getCancelRequested('wf-typed')).toBe(true);
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
    // Typed as Edm.DateTime (the SDK hands those back as Date), as the reference's writer stores them.
    expect(raw.created_at).toBeInstanceOf(Date);
    expect((raw.created_at as Date).toISOString()).toBe('2026-11-25T10:00:00.000Z');
  });
});
