/**
 * Layered (Sugiyama) layout of a view graph with @dagrejs/dagre, run on the server so the page only
 * draws. dagre was measured against elkjs on the same graphs (docs/cli.md § track): about twice as
 * fast at 200–1,500 nodes, synchronous, one small package with no worker or WASM to ship.
 */
import dagre from '@dagrejs/dagre';
import type { ViewGraph, ViewNode } from './view-graph.js';

/** A laid-out node: centre x/y and size in SVG user units. */
export interface PlacedNode {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  /** In the order of `ViewGraph.nodes`. */
  nodes: PlacedNode[];
  /** Polyline points of each edge, in the order of `ViewGraph.edges`. */
  edges: [number, number][][];
  /** Milliseconds dagre took. */
  ms: number;
}

const CHAR_W = 7;

/** Drawn size of a node: tasks sized to their (capped) label, groups larger to hold counts. */
export function nodeSize(n: ViewNode): { w: number; h: number } {
  if (n.kind === 'group') return { w: Math.min(280, Math.max(230, n.label.length * CHAR_W + 30)), h: 46 };
  if (n.kind === 'merge') return { w: Math.min(260, (n.label.length + 6) * CHAR_W + 20), h: 24 };
  return { w: Math.min(220, Math.max(50, n.label.length * CHAR_W + 24)), h: 28 };
}

/**
 * Lay out `view` top to bottom. The `longest-path` ranker is used above a few hundred nodes: it is what
 * keeps a 1,500-node layout near a second where network-simplex takes several.
 */
export function layoutViewGraph(view: ViewGraph): GraphLayout {
  const started = performance.now();
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({
    rankdir: 'TB',
    nodesep: 14,
    ranksep: 46,
    edgesep: 6,
    marginx: 20,
    marginy: 20,
    ranker: view.nodes.length > 300 ? 'longest-path' : 'network-simplex',
  });
  g.setDefaultEdgeLabel(() => ({}));
  view.nodes.forEach((n, i) => {
    const { w, h } = nodeSize(n);
    g.setNode(String(i), { width: w, height: h });
  });
  for (const [a, b] of view.edges) g.setEdge(String(a), String(b));
  dagre.layout(g);
  const nodes = view.nodes.map((_, i) => {
    const p = g.node(String(i));
    return { x: Math.round(p.x), y: Math.round(p.y), w: p.width, h: p.height };
  });
  const edges = view.edges.map(([a, b]) => {
    const e = g.edge(String(a), String(b));
    return (e?.points ?? []).map((pt: { x: number; y: number }): [number, number] => [
      Math.round(pt.x),
      Math.round(pt.y),
    ]);
  });
  const graph = g.graph();
  return {
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
    nodes,
    edges,
    ms: Math.round(performance.now() - started),
  };
}
