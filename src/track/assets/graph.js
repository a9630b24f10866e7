/* global document */
// Draws a laid-out DAG (positions come from the server's dagre layout) as SVG, with pan and zoom.
// Each node is <g class="node s-<state>" data-id="…" data-state="…">; update() only changes classes
// and counts, so a live update never rebuilds the drawing.

const NS = 'http://www.w3.org/2000/svg';
const DONE_ORDER = ['completed', 'running', 'ready', 'failed', 'skipped'];

function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

/** The one state that colours an aggregate node: any failure, else running, else all-done states. */
export function dominantState(counts) {
  const n = (k) => counts[k] || 0;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (n('failed') || n('upstream_failed')) return 'failed';
  if (n('running')) return 'running';
  if (total > 0 && n('completed') + n('skipped') === total) return 'completed';
  if (n('cancelled') && n('cancelled') + n('completed') + n('skipped') === total) return 'cancelled';
  if (n('ready')) return 'ready';
  return 'pending';
}

function countsText(counts, size) {
  const n = (k) => counts[k] || 0;
  const failed = n('failed') + n('upstream_failed') + n('cancelled');
  const parts = [`${n('completed')}/${size} done`];
  if (n('running')) parts.push(`${n('running')} running`);
  if (failed) parts.push(`${failed} failed`);
  return parts.join(' · ');
}

function clip(label, w) {
  const max = Math.max(4, Math.floor((w - 14) / 7));
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

export class GraphView {
  constructor(container, onSelect) {
    this.container = container;
    this.onSelect = onSelect;
    this.svg = el('svg', { 'aria-label': 'workflow graph' });
    container.appendChild(this.svg);
    this.root = el('g', {}, this.svg);
    this.view = { x: 0, y: 0, k: 1 };
    this.nodes = [];
    this.selected = -1;
    this.installPanZoom();
  }

  /** Draw `graph` (nodes with x/y/w/h, edges with points) in `states`. */
  draw(graph, states) {
    this.graph = graph;
    this.root.textContent = '';
    const edges = el('g', { class: 'edges' }, this.root);
    for (const e of graph.edges) {
      if (!e.points.length) continue;
      const d = e.points.map((p, i) => `${i ? 'L' : 'M'}${p[0]},${p[1]}`).join('');
      el('path', { class: 'edge', d, 'marker-end': '' }, edges);
    }
    const layer = el('g', { class: 'nodes' }, this.root);
    this.nodes = graph.nodes.map((n, i) => {
      const g = el('g', { class: `node ${n.kind}`, 'data-id': n.id, 'data-i': i, transform: `translate(${n.x - n.w / 2},${n.y - n.h / 2})` }, layer);
      const title = el('title', {}, g);
      title.textContent = n.kind === 'task' ? n.label : `${n.label} — ${n.size} task(s)`;
      el('rect', { class: 'body', width: n.w, height: n.h }, g);
      const item = { g, n, count: null, segs: null };
      if (n.kind === 'group') {
        const t = el('text', { x: 8, y: 16 }, g);
        t.textContent = clip(n.label, n.w);
        item.count = el('text', { class: 'count', x: 8, y: 30 }, g);
        item.segs = el('g', { transform: `translate(8,${n.h - 10})` }, g);
      } else if (n.kind === 'merge') {
        const t = el('text', { x: 8, y: n.h / 2 + 4 }, g);
        t.textContent = clip(`${n.label} (${n.size})`, n.w);
      } else {
        const t = el('text', { x: 8, y: n.h / 2 + 4 }, g);
        t.textContent = clip(n.label, n.w);
      }
      g.addEventListener('click', (ev) => {
        ev.stopPropagation();
        this.select(i);
        this.onSelect(n, i);
      });
      return item;
    });
    this.update(states);
  }

  /** Recolour nodes from new states (same order as graph.nodes). */
  update(states) {
    this.states = states;
    this.nodes.forEach((item, i) => {
      const s = states[i];
      const state = typeof s === 'string' ? s : dominantState(s || {});
      item.g.setAttribute('class', `node ${item.n.kind} s-${state}${i === this.selected ? ' selected' : ''}`);
      item.g.setAttribute('data-state', state);
      if (item.count) {
        item.count.textContent = countsText(s || {}, item.n.size);
        this.drawSegments(item, s || {});
      }
    });
  }

  drawSegments(item, counts) {
    const width = item.n.w - 16;
    item.segs.textContent = '';
    let x = 0;
    const total = item.n.size || 1;
    for (const k of DONE_ORDER) {
      const v = k === 'failed' ? (counts.failed || 0) + (counts.upstream_failed || 0) + (counts.cancelled || 0) : counts[k] || 0;
      if (!v) continue;
      const w = (v / total) * width;
      el('rect', { class: `seg-${k}`, x, y: 0, width: w, height: 5 }, item.segs);
      x += w;
    }
    if (x < width) el('rect', { class: 'seg-rest', x, y: 0, width: width - x, height: 5 }, item.segs);
  }

  select(i) {
    if (this.selected >= 0 && this.nodes[this.selected]) this.nodes[this.selected].g.classList.remove('selected');
    this.selected = i;
    if (i >= 0 && this.nodes[i]) this.nodes[i].g.classList.add('selected');
  }

  /** Index of the node with `id`, or -1. */
  indexOf(id) {
    return this.nodes.findIndex((item) => item.n.id === id);
  }

  /** Fit the whole graph in the box (never zooming in past 1.5×). */
  fit() {
    const box = this.container.getBoundingClientRect();
    const g = this.graph;
    if (!g || !box.width || !box.height) return;
    const k = Math.min(1.5, (box.width - 20) / Math.max(1, g.width), (box.height - 20) / Math.max(1, g.height));
    this.view = { k, x: (box.width - g.width * k) / 2, y: Math.max(10, (box.height - g.height * k) / 2) };
    if (k < 0.35) this.view.y = 10; // a very wide graph: start at its top
    this.apply();
  }

  /** Centre node `i` at a readable zoom. */
  focus(i) {
    const n = this.graph && this.graph.nodes[i];
    if (!n) return;
    const box = this.container.getBoundingClientRect();
    const k = Math.max(this.view.k, 0.9);
    this.view = { k, x: box.width / 2 - n.x * k, y: box.height / 2 - n.y * k };
    this.apply();
  }

  apply() {
    const { x, y, k } = this.view;
    this.root.setAttribute('transform', `translate(${x},${y}) scale(${k})`);
  }

  installPanZoom() {
    let drag = null;
    this.svg.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const r = this.svg.getBoundingClientRect();
      const px = ev.clientX - r.left;
      const py = ev.clientY - r.top;
      const f = Math.exp(-ev.deltaY * 0.0015);
      const k = Math.min(4, Math.max(0.02, this.view.k * f));
      const g = k / this.view.k;
      this.view = { k, x: px - (px - this.view.x) * g, y: py - (py - this.view.y) * g };
      this.apply();
    }, { passive: false });
    this.svg.addEventListener('pointerdown', (ev) => {
      if (ev.target.closest && ev.target.closest('.node')) return;
      drag = { x: ev.clientX, y: ev.clientY, vx: this.view.x, vy: this.view.y };
      this.svg.classList.add('dragging');
      this.svg.setPointerCapture(ev.pointerId);
    });
    this.svg.addEventListener('pointermove', (ev) => {
      if (!drag) return;
      this.view.x = drag.vx + ev.clientX - drag.x;
      this.view.y = drag.vy + ev.clientY - drag.y;
      this.apply();
    });
    const end = () => {
      drag = null;
      this.svg.classList.remove('dragging');
    };
    this.svg.addEventListener('pointerup', end);
    this.svg.addEventListener('pointercancel', end);
  }
}
