import { describe, expect, it } from 'vitest';
import { isJobqError } from '../../../src/errors.js';
import { controlMessages, definition, memoryClient, task } from './helpers.js';
import { decodeCoordinatorMessage } from '../../../src/wire/control-message.js';

describe('WorkflowClient.submit', () => {
  it('writes definition, pending state and index row, then sends one activate message (never dispatches)', async () => {
    const { client, backend } = memoryClient();
    const def = definition([task('a'), task('b', ['a'])]);
    const r = await client.submit(def, { workflowId: 'wf-one' });
    expect(r).toMatchObject({ workflowId: 'wf-one', taskCount: 2, roots: ['a'], autoFanIn: null });
    const stored = await backend.state.load('wf-one');
    expect(stored?.def.tasks.a).toBeDefined();
    const row = await backend.index.get('wf-one');
    expect(row).toMatchObject({ workflowState: 'pending', totalTasks: 2, pendingTasks: 2 });
    expect(await controlMessages(backend)).toEqual([{ type: 'activate', workflowId: 'wf-one' }]);
    expect(await backend.queues.get('default').approximateDepth()).toBe(0);
    const st = await client.status('wf-one');
    expect(st.status).toBe('pending');
    expect(st.tasks?.find((t) => t.name === 'a')?.status).toBe('ready');
  });

  it('refuses to re-submit an existing ID and leaves the first workflow intact', async () => {
    const { client, backend } = memoryClient();
    await client.submit(definition([task('a')]), { workflowId: 'dup' });
    await controlMessages(backend);
    const err = await client
      .submit(definition([task('x'), task('y')], { name: 'other' }), { workflowId: 'dup' })
      .catch((e: unknown) => e);
    expect(isJobqError(err, 'WorkflowExistsError')).toBe(true);
    expect((await backend.index.get('dup'))?.name).toBe('unit');
    expect(await controlMessages(backend)).toEqual([]);
  });

  it('rejects an invalid definition or ID before any write', async () => {
    const { client, backend } = memoryClient();
    const cyclic = definition([task('a', ['b']), task('b', ['a'])]);
    expect(() => client.prepare(cyclic)).toThrow();
    expect(() => client.prepare(definition([task('a')]), { workflowId: '../escape' })).toThrow();
    expect(() => client.prepare(definition([task('a')]), { maxFanIn: 1 })).toThrow(/at least 2/);
    expect(await backend.state.listWorkflowIds()).toEqual([]);
    expect(await backend.index.list()).toEqual([]);
  });

  it('fits a fan-in that would not fit a queue message, and refuses it with --max-fan-in 0', async () => {
    const { client } = memoryClient();
    const parents = Array.from({ length: 8000 }, (_, i) =>
      task(`leaf-${String(i).padStart(5, '0')}`, ['root']),
    );
    const def = definition([
      task('root'),
      ...parents,
      task(
        'sink',
        parents.map((p) => p.name),
      ),
    ]);
    const p = client.prepare(def);
    expect(p.autoFanIn).toBeGreaterThan(1);
    expect(p.def.tasks.length).toBeGreaterThan(def.tasks.length);
    let refused: unknown;
    try {
      client.prepare(def, { maxFanIn: 0 });
    } catch (err) {
      refused = err;
    }
    expect(isJobqError(refused, 'MessageTooLargeError')).toBe(true);
    expect(String((refused as Error).message)).toContain(`--max-fan-in ${p.autoFanIn}`);
  });

  it('submits a batch with one result per item, an error not stopping the others', async () => {
    const { client } = memoryClient();
    const ok = client.prepare(definition([task('a')]), { workflowId: 'b1' });
    const dup = client.prepare(definition([task('a')]), { workflowId: 'b1' });
    const other = client.prepare(definition([task('a')]), { workflowId: 'b2' });
    const results = await client.submitBatch(
      [
        { source: 'one', prepared: ok },
        { source: 'two', prepared: dup },
        { source: 'three', prepared: other },
      ],
      { concurrency: 1 },
    );
    expect(results.map((r) => r.workflow_id)).toEqual(['b1', '', 'b2']);
    expect(results[1].error).toMatch(/exist/i);
  });

  it('activates a batch with one control message per 200 workflows, naming each with its created_at', async () => {
    const { client, backend } = memoryClient();
    const items = Array.from({ length: 250 }, (_, i) => ({
      source: `f${i}`,
      prepared: client.prepare(definition([task('a')]), { workflowId: `wf-${i}` }),
    }));
    const results = await client.submitBatch(items, { concurrency: 8 });
    expect(results.every((r) => r.error === null)).toBe(true);
    const bodies: string[] = [];
    for (
      let b = await backend.completions.receive(32, 30);
      b.length;
      b = await backend.completions.receive(32, 30)
    )
      for (const m of b) bodies.push(m.body);
    expect(bodies).toHaveLength(2);
    const named = bodies.flatMap((body) => {
      const d = decodeCoordinatorMessage(body);
      if (d.kind !== 'control' || d.control.type !== 'activate') throw new Error('not an activate');
      return [
        { workflowId: d.control.workflowId, createdAt: d.control.createdAt },
        ...(d.control.more ?? []),
      ];
    });
    expect(named.map((t) => t.workflowId).sort()).toEqual(items.map((_, i) => `wf-${i}`).sort());
    for (const t of named)
      expect(Date.parse(t.createdAt ?? '')).toBe(
        Date.parse((await backend.index.get(t.workflowId))!.createdAt),
      );
  });
});
