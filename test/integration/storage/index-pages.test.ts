/**
 * Index queries follow continuation tokens on both table clients: one shard holding more rows than a
 * page (Azurite, like Azure, answers at most 1,000 entities per page) lists completely.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { azuriteAccount, uniquePrefix } from '../../support/azurite.js';
import { createAzureIndexStore, indexEntityTable } from '../../../src/adapters/azure/index-store.js';
import { mapBounded } from '../../../src/concurrency.js';
import { shardOf } from '../../../src/ports/index-store.js';

const ROWS = 1_005;
const SHARD = 5;

/** `count` workflow IDs that all fall into `shard`. */
function idsInShard(shard: number, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) if (shardOf(`wf-${i}`) === shard) ids.push(`wf-${i}`);
  return ids;
}

describe('index queries across pages', () => {
  const prefix = uniquePrefix('Pg');
  const ids = idsInShard(SHARD, ROWS);
  beforeAll(async () => {
    const table = indexEntityTable(azuriteAccount(), prefix, 'lean');
    await table.createTable();
    await mapBounded(ids, 32, (id) =>
      table.createEntity({ partitionKey: `wf-0${SHARD}`, rowKey: id, name: id, workflow_state: 'running' }),
    );
  }, 120_000);

  it.each(['lean', 'sdk'] as const)(
    '%s client: a shard of 1,005 rows lists every row once',
    async (client) => {
      const index = createAzureIndexStore(azuriteAccount(), prefix, client);
      const shard = await index.listShard(SHARD, { states: ['running'] });
      expect(shard).toHaveLength(ROWS);
      expect(new Set(shard.map((r) => r.workflowId))).toEqual(new Set(ids));
      expect(await index.scan({ states: ['running'] })).toHaveLength(ROWS);
    },
  );
});
