/** The dashboard's drawn graph: merge nodes collapsed, big DAGs grouped, one group expanded on demand. */
import { describe, expect, it } from 'vitest';
import { buildViewGraph, mergeTarget, type TaskGraph } from '../../../src/track/view-graph.js';

/** A task graph from `name: [parents]`. */
function graph(spec: Record<string, string[]>): TaskGraph {
  const names = Object.keys(spec);
  const index = new Map(names.map((n, i) => [n, i]));
  return {
    names,
    parents: names.map((n) => spec[n].map((p) => index.get(p)!)),
    isMerge: names.map((n) => n.startsWith('__merge_')),
  };
}

/** setup → N × prep/i → train/i, all trains → summary. */
function pipeline(n: number): TaskGraph {
  const spec: Record<string, string[]> = { setup: [] };
  for (let i = 0; i < n; i++) {
    spec[`prep/${i}`] = ['setup'];
    spec[`train/${i}`] = [`prep/${i}`];
  }
  spec.summary = Array.from({ length: n }, (_, i) => `train/${i}`);
  return graph(spec);
}

const edgeIds = (v: ReturnType<typeof buildViewGraph>) =>
  v.edges.map(([a, b]) => `${v.nodes[a].id}→${v.nodes[b].id}`).sort();

describe('buildViewGraph', () => {
  it('draws every task under the budget, with its edges', () => {
    const v = buildViewGraph(graph({ a: [], b: ['a'], c: ['a'], d: ['b', 'c'] }));
    expect(v.aggregated).toBe(false);
    expect(v.nodes.map((n) => n.id)).toEqual(['t:a', 't:b', 't:c', 't:d']);
    expect(edgeIds(v)).toEqual(['t:a→t:b', 't:a→t:c', 't:b→t:d', 't:c→t:d']);
  });

  it("collapses a fan-in's merge nodes into one node, without their sequencing edges", () => {
    // --max-fan-in 2 over 4 parents: two merge nodes chained into the sink.
    const v = buildViewGraph(
      graph({
        p0: [],
        p1: [],
        p2: [],
        p3: [],
        __merge_sink_0: ['p0', 'p1'],
        __merge_sink_1: ['p2', 'p3', '__merge_sink_0'],
        sink: ['__merge_sink_1'],
      }),
    );
    expect(mergeTarget('__merge_sink_1')).toBe('sink');
    const merge = v.nodes.find((n) => n.kind === 'merge')!;
    expect(merge).toMatchObject({ id: 'm:sink', label: 'merge → sink', size: 2 });
    expect(v.nodes).toHaveLength(6);
    expect(edgeIds(v)).toEqual(['m:sink→t:sink', 't:p0→m:sink', 't:p1→m:sink', 't:p2→m:sink', 't:p3→m:sink']);
  });

  it('above the budget, groups tasks by layer and depth and maps each task to its group', () => {
    const g = pipeline(100);
    const v = buildViewGraph(g, { budget: 50 });
    expect(v.aggregated).toBe(true);
    expect(v.grouping).toBe('layer+depth');
    expect(v.nodes.map((n) => [n.id, n.kind, n.label, n.size])).toEqual([
      ['t:setup', 'task', 'setup', 1],
      ['g:prep @1', 'group', 'prep/…', 100],
      ['g:train @2', 'group', 'train/…', 100],
      ['t:summary', 'task', 'summary', 1],
    ]);
    expect(edgeIds(v)).toEqual(['g:prep @1→g:train @2', 'g:train @2→t:summary', 't:setup→g:prep @1']);
    expect(v.groupMembers.get('train @2')).toHaveLength(100);
    expect(v.nodes[v.nodeOfTask[g.names.indexOf('train/7')]].id).toBe('g:train @2');
  });

  it('expands one group into its tasks, at most expandMax of them, the rest staying a group', () => {
    const g = pipeline(100);
    const v = buildViewGraph(g, { budget: 50, expand: ['train @2', 'no such group'], expandMax: 30 });
    expect(v.expanded).toEqual(['train @2']);
    const drawn = v.nodes.filter((n) => n.expandedFrom === 'train @2');
    expect(drawn).toHaveLength(30);
    expect(v.nodes.find((n) => n.id === 'g:train @2')).toMatchObject({ label: 'train/… (rest)', size: 70 });
    expect(v.nodes[v.nodeOfTask[g.names.indexOf('train/0')]].id).toBe('t:train/0');
    expect(v.nodes[v.nodeOfTask[g.names.indexOf('train/99')]].id).toBe('g:train @2');
    expect(edgeIds(v)).toContain('g:prep @1→t:train/0');
  });

  it('falls back to depth groups when layers alone exceed the budget', () => {
    const spec: Record<string, string[]> = { root: [] };
    for (let i = 0; i < 40; i++) spec[`job${i}x/a`] = ['root'];
    const v = buildViewGraph(graph(spec), { budget: 10 });
    expect(v.grouping).toBe('depth');
    expect(v.nodes.map((n) => n.id)).toEqual(['t:root', 'g:depth 1']);
  });
});
