/**
 * Layered (Sugiyama) layout of a view graph with @dagrejs/dagre, run on the server so the page only
 * draws. dagre was measured against elkjs on the same graphs (docs/cli.md § track): about twice as
 * fast at 200–1,500 nodes, synchronous, one small package with no WASM to ship. Being synchronous it
 * runs in a worker thread (`layout-runner.ts`): a 1,500-node layout takes seconds, which must not stall
 * the server's API and live feed. This module is the pure part both sides share.
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

/** What a layout needs of a view graph: node sizes and edges (small, and cheap to post to a worker). */
export interface LayoutInput {
  /** Width and height of node i at [2i] and [2i + 1]. */
  sizes: number[];
  /** Edge j runs from node [2j] to node [2j + 1]. */
  edges: number[];
}

const CHAR_W = 7;
/** Above this many nodes the `longest-path` ranker is used (network-simplex takes several times longer). */
const NETWORK_SIMPLEX_MAX_NODES = 300;

/** Drawn size of a node: tasks sized to their (capped) label, groups larger to hold counts. */
export function nodeSize(n: ViewNode): { w: number; h: number } {
  if (n.kind === 'group') return { w: Math.min(280, Math.max(230, n.label.length * CHAR_W + 30)), h: 46 };
  if (n.kind === 'merge') return { w: Math.min(260, (n.label.length + 6) * CHAR_W + 20), h: 24 };
  return { w: Math.min(220, Math.max(50, n.label.length * CHAR_W + 24)), h: 28 };
}

/** The layout input of a view: its nodes' drawn sizes and its edges. */
export function layoutInput(view: ViewGraph): LayoutInput {
  const sizes: number[] = [];
  for (const n of view.nodes) {
    const { w, h } = nodeSize(n);
    sizes.push(w, h);
  }
  const edges: number[] = [];
  for (const [a, b] of view.edges) edges.push(a, b);
  return { sizes, edges };
}

/** Lay out nodes and edges top to bottom with dagre (synchronous: seconds at 1,500 nodes). */
export function computeLayout(input: LayoutInput): GraphLayout {
  const started = performance.now();
  const count = input.sizes.length / 2;
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({
    rankdir: 'TB',
    nodesep: 14,
    ranksep: 46,
    edgesep: 6,
    marginx: 20,
    marginy: 20,
    ranker: count > NETWORK_SIMPLEX_MAX_NODES ? 'longest-path' : 'network-simplex',
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (let i = 0; i < count; i++)
    g.setNode(String(i), { width: input.sizes[2 * i], height: input.sizes[2 * i + 1] });
  for (let j = 0; j < input.edges.length; j += 2)
    g.setEdge(String(input.edges[j]), String(input.edges[j + 1]));
  dagre.layout(g);
  const nodes: PlacedNode[] = [];
  for (let i = 0; i < count; i++) {
    const p = g.node(String(i));
    nodes.push({ x: Math.round(p.x), y: Math.round(p.y), w: p.width, h: p.height });
  }
  const edges: [number, number][][] = [];
  for (let j = 0; j < input.edges.length; j += 2) {
    const e = g.edge(String(input.edges[j]), String(input.edges[j + 1]));
    edges.push(
      (e?.points ?? []).map((pt: { x: number; y: number }): [number, number] => [
        Math.round(pt.x),
        Math.round(pt.y),
      ]),
    );
  }
  const graph = g.graph();
  return {
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
    nodes,
    edges,
    ms: Math.round(performance.now() - started),
  };
}

/** Lay out `view` on the calling thread (tests, and the fallback when no worker thread can start). */
export function layoutViewGraph(view: ViewGraph): GraphLayout {
  return computeLayout(layoutInput(view));
}
