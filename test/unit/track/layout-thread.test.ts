/** Dashboard layouts on the worker thread match the inline ones, and are laid out once per view. */
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { ThreadLayout, inlineLayout } from '../../../src/track/layout-runner.js';
import { layoutInput } from '../../../src/track/layout.js';
import { buildViewGraph, type TaskGraph } from '../../../src/track/view-graph.js';

const names = ['a', 'b', 'c', 'd', 'e'];
const g: TaskGraph = { names, parents: [[], [0], [0], [1, 2], [3]], isMerge: names.map(() => false) };

describe('ThreadLayout', () => {
  const thread = new ThreadLayout(createLogger({ level: 'silent' }));
  afterAll(() => thread.close());

  it('gives the same positions as a layout on the calling thread', async () => {
    const input = layoutInput(buildViewGraph(g));
    const [off, on] = await Promise.all([thread.layout(input), inlineLayout.layout(input)]);
    expect({ ...off, ms: 0 }).toEqual({ ...on, ms: 0 });
    expect(off.nodes).toHaveLength(5);
    expect(off.edges).toHaveLength(5);
  });

  it('answers concurrent layouts each with its own result', async () => {
    const small = layoutInput(buildViewGraph({ names: ['x'], parents: [[]], isMerge: [false] }));
    const big = layoutInput(buildViewGraph(g));
    const [a, b] = await Promise.all([thread.layout(big), thread.layout(small)]);
    expect(a.nodes).toHaveLength(5);
    expect(b.nodes).toHaveLength(1);
  });

  it('refuses work once closed', async () => {
    const t = new ThreadLayout(createLogger({ level: 'silent' }));
    await t.close();
    await expect(t.layout(layoutInput(buildViewGraph(g)))).rejects.toThrow(/shutting down/);
  });
});
