/* global document, window, fetch, EventSource, location, history, performance, URLSearchParams */
// The jobq dashboard page: the workflows list (`/`) and one workflow (`/workflows/<id>`), over the
// server's JSON API. Plain DOM; no framework, no build step, no network beyond this server.
import { GraphView, dominantState } from './graph.js';

const $ = (sel, root = document) => root.querySelector(sel);
const main = $('#main');
let info = { target: '', allow_actions: false, node_budget: 1500 };
const { Node } = window;

/** replaceChildren that flattens arrays and drops null/false, as h() does. */
function fill(e, ...kids) {
  e.replaceChildren(...kids.flat(Infinity).filter((k) => k !== null && k !== undefined && k !== false));
}

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, opts = {}) {
  const res = await fetch(path, { headers: { accept: 'application/json', ...(opts.headers || {}) }, method: opts.method || 'GET' });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status, `the dashboard server answered ${res.status} without JSON`);
  }
  if (!res.ok) throw new ApiError(res.status, body.error || `HTTP ${res.status}`);
  return body;
}

// ---------- formatting (as the terminal views) ----------
function formatEta(s) {
  if (s === null || s === undefined || !isFinite(s) || s <= 0) return '';
  if (s < 60) return `eta ${Math.round(s)}s`;
  if (s < 3600) return `eta ${(s / 60).toFixed(1)}m`;
  return `eta ${(s / 3600).toFixed(1)}h`;
}
function formatRate(r) {
  return `${r.toFixed(r >= 100 ? 0 : 1)} completions/s`;
}
function ago(iso) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
function duration(s) {
  if (s === null || s === undefined) return '—';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
function time(iso) {
  return iso ? h('span', { title: iso }, `${iso.replace('T', ' ').replace(/(\.\d+)?(\+00:00|Z)$/, '')} (${ago(iso)})`) : '—';
}
function badge(state) {
  return h('span', { class: `badge s-${state}`, 'data-state': state }, state);
}
function bar(w, wide) {
  const total = w.total || 1;
  const b = h('div', { class: `bar${wide ? ' wide' : ''}`, title: `${w.completed}/${w.total} completed` });
  for (const [cls, n] of [['completed', w.completed], ['skipped', w.skipped], ['failed', w.failed], ['running', w.running]]) {
    if (!n) continue;
    const s = h('span', { class: cls });
    s.style.width = `${(100 * n) / total}%`; // set through the CSSOM: the page's CSP forbids style attributes
    b.append(s);
  }
  return b;
}
function counters(w) {
  return h(
    'span',
    { class: 'counters' },
    h('b', { class: 'c' }, `${w.completed} completed`), '  ',
    h('b', { class: 'r' }, `${w.running} running`), '  ',
    h('b', { class: w.failed ? 'f' : '' }, `${w.failed} failed`), '  ',
    `${w.pending} pending`,
    w.skipped ? h('b', { class: 's' }, `  ${w.skipped} skipped`) : null,
  );
}
function toast(text) {
  const t = h('div', { class: 'toast', role: 'status' }, text);
  document.body.append(t);
  window.setTimeout(() => t.remove(), 5000);
}
function confirmDialog(title, text, yes) {
  return new Promise((resolve) => {
    const m = $('#modal');
    $('#modal-title').textContent = title;
    $('#modal-text').textContent = text;
    $('#modal-yes').textContent = yes;
    m.hidden = false;
    const done = (v) => {
      m.hidden = true;
      $('#modal-yes').onclick = null;
      $('#modal-no').onclick = null;
      resolve(v);
    };
    $('#modal-yes').onclick = () => done(true);
    $('#modal-no').onclick = () => done(false);
  });
}

function errorPage(err, retrying) {
  fill(main, 
    h(
      'div',
      { class: 'error-page', id: 'error-page' },
      h('h1', {}, err.status === 503 ? 'Storage unreachable' : 'Something went wrong'),
      h('pre', {}, err.message),
      h('p', { class: 'muted' }, retrying ? 'Retrying every 3 seconds…' : h('a', { href: '/' }, 'Back to the workflows')),
    ),
  );
}

// ---------- workflows page ----------
const WORKFLOW_STATES = ['pending', 'running', 'cancelling', 'completed', 'failed', 'cancelled'];
const PAGE = 50;
let stopPage = () => {};

function workflowsPage() {
  const params = new URLSearchParams(location.search);
  const q = { state: params.get('state') || '', name: params.get('name') || '', page: Math.max(0, Number(params.get('page')) || 0) };
  const stateSel = h('select', { id: 'filter-state', 'aria-label': 'state' }, h('option', { value: '' }, 'all states'), WORKFLOW_STATES.map((s) => h('option', { value: s }, s)));
  stateSel.value = q.state;
  const nameIn = h('input', { id: 'filter-name', type: 'search', placeholder: 'filter by name or ID', value: q.name, 'aria-label': 'name' });
  const summary = h('span', { class: 'muted', id: 'list-summary' });
  const tbody = h('tbody', { id: 'workflow-rows' });
  const prev = h('button', { type: 'button', id: 'page-prev' }, '← newer');
  const next = h('button', { type: 'button', id: 'page-next' }, 'older →');
  const pageInfo = h('span', { class: 'muted', id: 'page-info' });
  const banner = h('div', { class: 'banner', hidden: true, id: 'list-banner' });
  fill(main, 
    h('h1', {}, 'Workflows'),
    banner,
    h('div', { class: 'filters' }, stateSel, nameIn, summary),
    h('table', { class: 'list' }, h('thead', {}, h('tr', {}, ['Workflow', 'State', 'Progress', 'Tasks', 'Created', 'Updated'].map((t) => h('th', {}, t)))), tbody),
    h('div', { class: 'pager' }, prev, pageInfo, next),
  );
  let last = '';
  let timer = 0;
  let alive = true;
  const syncUrl = () => {
    const p = new URLSearchParams();
    if (q.state) p.set('state', q.state);
    if (q.name) p.set('name', q.name);
    if (q.page) p.set('page', String(q.page));
    history.replaceState(null, '', `/${p.toString() ? `?${p}` : ''}`);
  };
  const load = async () => {
    window.clearTimeout(timer);
    const p = new URLSearchParams({ offset: String(q.page * PAGE), limit: String(PAGE) });
    if (q.state) p.set('state', q.state);
    if (q.name) p.set('name', q.name);
    try {
      const data = await api(`/api/workflows?${p}`);
      if (!alive) return;
      banner.hidden = true;
      const key = JSON.stringify(data);
      if (key !== last) {
        last = key;
        render(data);
      }
    } catch (err) {
      if (!alive) return;
      if (!last) errorPage(err, true);
      else {
        banner.hidden = false;
        banner.textContent = err.message;
      }
    }
    if (alive) timer = window.setTimeout(load, last ? 2000 : 3000);
  };
  const render = (data) => {
    if (!document.body.contains(tbody)) workflowsPage();
    const counts = Object.entries(data.counts_by_state).map(([s, n]) => `${n} ${s}`).join(', ');
    summary.textContent = counts ? `${data.total} shown of: ${counts}` : 'no workflows in this prefix yet';
    fill(tbody, 
      ...data.workflows.map((w) =>
        h(
          'tr',
          { 'data-id': w.workflow_id, 'data-state': w.state },
          h('td', {}, h('a', { href: `/workflows/${encodeURIComponent(w.workflow_id)}`, class: 'wf-link' }, w.name || w.workflow_id), h('div', { class: 'mono muted' }, w.workflow_id)),
          h('td', {}, badge(w.state), w.cancel_requested && w.state !== 'cancelled' ? h('div', { class: 'muted' }, 'cancel requested') : null),
          h('td', {}, bar(w)),
          h('td', {}, `${w.completed}/${w.total}`, h('div', {}, counters(w))),
          h('td', {}, time(w.created_at)),
          h('td', {}, time(w.updated_at)),
        ),
      ),
    );
    if (data.workflows.length === 0) tbody.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No workflow matches.')));
    const from = data.total ? data.offset + 1 : 0;
    pageInfo.textContent = `${from}–${data.offset + data.workflows.length} of ${data.total}`;
    prev.disabled = q.page === 0;
    next.disabled = data.offset + data.workflows.length >= data.total;
  };
  stateSel.onchange = () => {
    q.state = stateSel.value;
    q.page = 0;
    syncUrl();
    last = '';
    load();
  };
  let typing = 0;
  nameIn.oninput = () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => {
      q.name = nameIn.value.trim();
      q.page = 0;
      syncUrl();
      last = '';
      load();
    }, 250);
  };
  prev.onclick = () => {
    q.page = Math.max(0, q.page - 1);
    syncUrl();
    load();
  };
  next.onclick = () => {
    q.page += 1;
    syncUrl();
    load();
  };
  load();
  return () => {
    alive = false;
    window.clearTimeout(timer);
  };
}

// ---------- workflow page ----------
function workflowPage(id) {
  const expand = new URLSearchParams(location.search).getAll('expand');
  const head = h('div', { class: 'wf-head', id: 'wf-head' });
  const blockers = h('ul', { class: 'blockers', id: 'blockers' });
  const banner = h('div', { class: 'banner', hidden: true, id: 'wf-banner' });
  const graphBox = h('div', { class: 'graph-box', id: 'graph' });
  const panel = h('aside', { class: 'panel', id: 'panel' }, h('p', { class: 'muted' }, 'Click a node to see its task (or group).'));
  const tools = h('div', { class: 'graph-tools' });
  graphBox.append(tools);
  fill(main, banner, head, blockers, h('div', { class: 'layout' }, graphBox, panel));
  let alive = true;
  let es = null;
  let current = null; // latest header
  let graph = null;
  let selected = null; // {kind:'task', name} | {kind:'group', key, node}
  let lastDetail = 0;
  let detailTimer = 0;
  let retryTimer = 0;
  const view = new GraphView(graphBox, (n) => selectNode(n));
  graphBox.addEventListener('click', () => {});

  let lastRate = null;
  let lastEta = null;
  const renderHead = (w, rate, eta) => {
    if (rate !== undefined) lastRate = rate;
    if (eta !== undefined) lastEta = eta;
    rate = lastRate;
    eta = lastEta;
    current = w;
    const actions = h('div', { class: 'actions' });
    if (info.allow_actions) {
      const active = ['pending', 'running', 'cancelling'].includes(w.state);
      actions.append(
        h('button', { type: 'button', id: 'action-cancel', class: 'danger', disabled: !active || w.cancel_requested, onclick: () => action('cancel') }, 'Cancel workflow'),
        h('button', { type: 'button', id: 'action-retry', disabled: !['failed', 'cancelled'].includes(w.state), onclick: () => action('retry') }, 'Retry failed'),
      );
    }
    fill(head, 
      h('div', { class: 'title' }, h('a', { href: '/' }, '← workflows'), h('h1', {}, w.name || w.workflow_id), h('span', { class: 'mono muted' }, w.workflow_id)),
      h('div', {}, badge(w.state), w.cancel_requested && w.state !== 'cancelled' ? h('div', { class: 'muted' }, 'cancel requested') : null),
      h(
        'div',
        { class: 'stats' },
        h('div', {}, bar(w, true), ' ', h('span', { id: 'progress-text' }, `${w.completed}/${w.total} tasks`), ' ', h('span', { class: 'muted', id: 'eta' }, formatEta(eta))),
        h('div', {}, counters(w), rate !== null && rate !== undefined ? h('span', { class: 'muted', id: 'rate' }, `  ·  ${formatRate(rate)}`) : null),
        h('div', { class: 'muted' }, 'created ', time(w.created_at), ' · updated ', time(w.updated_at)),
      ),
      w.error ? h('div', { class: 'banner' }, w.error) : null,
      actions,
    );
  };

  const action = async (kind) => {
    const ok = await confirmDialog(
      kind === 'cancel' ? `Cancel workflow ${current.name || id}?` : `Retry workflow ${current.name || id}?`,
      kind === 'cancel'
        ? 'Pending tasks are cancelled at once; running tasks are stopped by their workers. Same as `jobq workflow cancel`.'
        : 'Failed, upstream-failed and cancelled tasks go back to pending and run again. Same as `jobq workflow retry`.',
      kind === 'cancel' ? 'Yes, cancel it' : 'Yes, retry',
    );
    if (!ok) return;
    try {
      const r = await api(`/api/workflows/${encodeURIComponent(id)}/${kind}`, { method: 'POST', headers: { 'x-jobq-action': kind } });
      toast(r.message);
      loadDetail();
    } catch (err) {
      toast(err.message);
    }
  };

  const loadDetail = async () => {
    try {
      const d = await api(`/api/workflows/${encodeURIComponent(id)}`);
      if (!alive) return;
      fill(blockers, ...d.explain.blockers.map((b) => h('li', {}, b)));
      if (current) renderHead({ ...current, cancel_requested: d.cancel_requested }, undefined, undefined);
    } catch {
      // the live feed reports storage errors
    }
  };

  const loadGraph = async () => {
    const p = new URLSearchParams();
    for (const k of expand) p.append('expand', k);
    const started = performance.now();
    let g;
    try {
      [g] = await Promise.all([api(`/api/workflows/${encodeURIComponent(id)}/graph?${p}`), infoReady]);
    } catch (err) {
      if (!alive) return;
      // Storage down: say so and try again (the page rebuilds itself once it answers).
      const retry = err.status === 503;
      errorPage(err, retry);
      if (retry) retryTimer = window.setTimeout(() => alive && route(), 3000);
      return;
    }
    if (!alive) return;
    graph = g;
    renderHead(g.workflow, null, null);
    view.draw(g.graph, g.states);
    view.fit();
    if (view.view.k < 0.3) {
      // Too wide to read whole: start at the expanded group (or the top) at a readable zoom.
      const first = g.graph.nodes.findIndex((n) => n.expandedFrom !== undefined);
      view.focus(first >= 0 ? first : 0);
    }
    const shown = g.graph.nodes.length;
    fill(tools, 
      h('button', { type: 'button', onclick: () => view.fit() }, 'Fit'),
      expand.length ? h('button', { type: 'button', id: 'collapse-all', onclick: () => setExpand([]) }, 'Collapse groups') : null,
      h('span', { class: 'note', id: 'graph-note' }, g.graph.aggregated ? `${g.task_count} tasks drawn as ${shown} nodes (grouped by ${g.graph.grouping}); click a group to list or expand it` : `${g.task_count} tasks`),
    );
    graphBox.append(legend());
    graphBox.setAttribute('data-rendered-ms', String(Math.round(performance.now() - started)));
    graphBox.setAttribute('data-node-count', String(shown));
    openFeed(p);
    loadDetail();
  };

  const setExpand = (keys) => {
    const p = new URLSearchParams();
    for (const k of keys) p.append('expand', k);
    history.pushState(null, '', `/workflows/${encodeURIComponent(id)}${keys.length ? `?${p}` : ''}`);
    route();
  };

  const openFeed = (p) => {
    if (es) es.close();
    es = new EventSource(`/api/workflows/${encodeURIComponent(id)}/events?${p}`);
    es.addEventListener('update', (ev) => {
      const u = JSON.parse(ev.data);
      banner.hidden = true;
      renderHead({ ...u.workflow, cancel_requested: u.workflow.cancel_requested || (current && current.cancel_requested) }, u.rate, u.eta_s);
      view.update(u.states);
      graphBox.setAttribute('data-etag', u.etag);
      if (selected) refreshPanel();
      // Blockers follow the state at most every 2 s, and always after the last update of a burst.
      window.clearTimeout(detailTimer);
      const wait = ['completed', 'failed', 'cancelled'].includes(u.workflow.state) ? 0 : Math.max(0, 2000 - (Date.now() - lastDetail));
      detailTimer = window.setTimeout(() => {
        lastDetail = Date.now();
        loadDetail();
      }, wait);
    });
    es.addEventListener('failure', (ev) => {
      banner.hidden = false;
      banner.textContent = `${JSON.parse(ev.data).error} (retrying)`;
    });
    es.addEventListener('recovered', () => (banner.hidden = true));
  };

  const legend = () =>
    h('div', { class: 'legend' }, ['completed', 'running', 'ready', 'pending', 'failed', 'upstream_failed', 'cancelled', 'skipped'].map((s) => h('span', {}, h('i', { class: `lg-${s}` }), s)));

  let panelKey = '';
  const refreshPanel = () => {
    if (!selected) return;
    if (selected.kind === 'task') showTask(selected.name, true);
    else showGroup(selected.node, true);
  };
  const selectNode = (n) => {
    if (n.kind === 'task') {
      selected = { kind: 'task', name: n.label };
      showTask(n.label, false);
    } else {
      selected = { kind: 'group', node: n };
      showGroup(n, false);
    }
  };

  const showTask = async (name, quiet) => {
    let t;
    try {
      t = await api(`/api/workflows/${encodeURIComponent(id)}/tasks/${encodeURIComponent(name)}`);
    } catch (err) {
      if (!quiet) fill(panel, h('h2', {}, name), h('pre', { class: 'error' }, err.message));
      return;
    }
    const key = JSON.stringify([t.state, t.attempt, t.error, t.completed_at, t.cached_from, t.output && t.output.preview]);
    if (quiet && key === panelKey) return;
    panelKey = key;
    const outBox = h('div', { id: 'task-output' });
    if (!t.output) outBox.append(h('p', { class: 'muted' }, 'No output.'));
    else {
      if (t.output.preview !== null) outBox.append(h('pre', {}, t.output.preview));
      if (t.output.fetch) {
        outBox.append(
          h('button', {
            type: 'button',
            id: 'fetch-output',
            onclick: async (ev) => {
              ev.target.disabled = true;
              try {
                const o = await api(`/api/workflows/${encodeURIComponent(id)}/tasks/${encodeURIComponent(name)}/output?max=262144`);
                const note = o.output.truncated ? `first ${o.output.max_bytes} bytes shown${o.output.bytes ? ` of ${o.output.bytes}` : ''}` : `${o.output.bytes} bytes`;
                fill(outBox, h('pre', {}, o.output.text), h('p', { class: 'muted' }, `${note} (${o.output.source})`));
              } catch (err) {
                outBox.append(h('pre', { class: 'error' }, err.message));
              }
            },
          }, t.output.kind === 'blob' ? 'Fetch output (stored as a blob)' : 'Show all'),
        );
      }
    }
    const logBox = h('div', { id: 'task-log' }, h('p', { class: 'muted' }, 'Loading log…'));
    const dl = (rows) => h('dl', {}, rows.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    fill(panel, 
      h('h2', { id: 'panel-title' }, t.name),
      dl([
        ['state', t.cached_from ? [badge(t.state), ' ', h('span', { class: 'muted', id: 'task-cached' }, '(cached)')] : badge(t.state)],
        t.cached_from ? ['cached from', h('span', { class: 'mono', id: 'task-cached-from' }, t.cached_from)] : null,
        ['attempt', `${t.attempt} of ${t.num_retries + 1} (${t.retries_remaining} retries left)`],
        ['started', time(t.started_at)],
        ['completed', time(t.completed_at)],
        ['duration', duration(t.duration_s)],
        ['queue', h('span', { class: 'mono' }, t.queue)],
        ['dep policy', `${t.dep_policy} (${t.completed_deps}/${t.depends_on.length} done${t.failed_deps ? `, ${t.failed_deps} failed` : ''})`],
        t.timeout_s ? ['timeout', `${t.timeout_s}s`] : null,
        t.condition ? ['condition', h('span', { class: 'mono' }, t.condition)] : null,
        t.condition ? ['verdict', h('span', { id: 'condition-verdict' }, t.condition_verdict)] : null,
      ]),
      t.error ? [h('h3', {}, 'Error'), h('pre', { class: 'error', id: 'task-error' }, t.error)] : null,
      h('h3', {}, 'Output'),
      outBox,
      h('h3', {}, 'Explain'),
      h('pre', { id: 'task-explain' }, t.explain_text),
      h('h3', {}, 'Log'),
      logBox,
      t.depends_on.length ? [h('h3', {}, 'Depends on'), h('p', { class: 'mono' }, t.depends_on.join(', '))] : null,
    );
    loadLog(name, logBox);
  };

  // The log of the task shown, re-read every LOG_POLL_MS while more may come: the attempt runs (its
  // worker refreshes the blob every ~10 s), or it just ended and the worker's final write is on its way.
  const LOG_POLL_MS = 2000;
  let logTimer = 0;
  const loadLog = async (name, logBox) => {
    window.clearTimeout(logTimer);
    let log;
    try {
      log = await api(`/api/workflows/${encodeURIComponent(id)}/tasks/${encodeURIComponent(name)}/log`);
    } catch (err) {
      if (document.body.contains(logBox)) fill(logBox, h('pre', { class: 'error' }, err.message));
      return;
    }
    if (!alive || !document.body.contains(logBox)) return; // the panel moved on
    const textBox = $('#task-log-text', logBox);
    const atBottom = !textBox || textBox.scrollTop + textBox.clientHeight >= textBox.scrollHeight - 4;
    if (log.available) {
      const note = `attempt ${log.attempt}${log.live ? ' (running: refreshed by its worker)' : ''}${log.truncated ? ' (truncated to the stored bound)' : ''}`;
      if (textBox && textBox.textContent === log.text) $('#task-log-note', logBox).textContent = note;
      else {
        const pre = h('pre', { id: 'task-log-text', class: 'log' }, log.text);
        fill(logBox, h('p', { class: 'muted', id: 'task-log-note' }, note), pre);
        if (atBottom) pre.scrollTop = pre.scrollHeight;
      }
    } else {
      fill(logBox, h('p', { class: 'muted', id: 'task-log-missing', 'data-reason': log.reason_code }, log.reason));
    }
    const more = log.available ? log.live : log.reason_code === 'not-yet-written';
    if (more) logTimer = window.setTimeout(() => loadLog(name, logBox), LOG_POLL_MS);
  };

  const showGroup = async (n, quiet) => {
    const gi = view.indexOf(n.id);
    const s = graph && gi >= 0 ? view.states[gi] : {};
    const key = JSON.stringify(['g', n.id, s]);
    if (quiet && key === panelKey) return;
    panelKey = key;
    const list = h('ul', { class: 'members', id: 'group-members' });
    const stateSel = h('select', { 'aria-label': 'member state' }, h('option', { value: '' }, 'all'), Object.keys(s || {}).map((k) => h('option', { value: k }, `${k} (${s[k]})`)));
    const more = h('p', { class: 'muted' });
    const loadMembers = async () => {
      const p = new URLSearchParams({ limit: '200' });
      if (n.kind === 'group') p.set('group', n.group);
      else p.set('prefix', `__merge_${n.id.slice(2)}_`);
      if (stateSel.value) p.set('state', stateSel.value);
      try {
        const r = await api(`/api/workflows/${encodeURIComponent(id)}/tasks?${p}`);
        fill(list, ...r.tasks.map((t) => h('li', { onclick: () => { selected = { kind: 'task', name: t.name }; showTask(t.name, false); } }, h('span', { class: 'mono' }, t.name), badge(t.state))));
        more.textContent = r.total > r.tasks.length ? `${r.tasks.length} of ${r.total} shown` : `${r.total} task(s)`;
      } catch (err) {
        fill(list, h('li', {}, err.message));
      }
    };
    stateSel.onchange = loadMembers;
    const counts = Object.entries(s || {}).map(([k, v]) => `${v} ${k}`).join(', ');
    fill(panel, 
      h('h2', { id: 'panel-title' }, n.label),
      h('p', {}, `${n.size} task(s)`, n.depth ? ` at depth ${n.depth[0] === n.depth[1] ? n.depth[0] : `${n.depth[0]}–${n.depth[1]}`}` : '', ' · ', badge(dominantState(s || {}))),
      h('p', { class: 'muted' }, counts),
      n.kind === 'group'
        ? h('button', { type: 'button', id: 'expand-group', onclick: () => setExpand([...new Set([...expand, n.group])]) }, n.size > info.expand_max ? `Expand (first ${info.expand_max} drawn)` : 'Expand in the graph')
        : null,
      h('h3', {}, 'Tasks'),
      h('div', {}, 'state: ', stateSel),
      list,
      more,
    );
    loadMembers();
  };

  loadGraph();
  return () => {
    alive = false;
    window.clearTimeout(logTimer);
    window.clearTimeout(detailTimer);
    window.clearTimeout(retryTimer);
    if (es) es.close();
  };
}

function route() {
  stopPage();
  const m = /^\/workflows\/([^/]+)\/?$/.exec(location.pathname);
  stopPage = m ? workflowPage(decodeURIComponent(m[1])) : workflowsPage();
}

// Asked for at once, in parallel with the page's own data (the graph page needs it only to draw actions).
const infoReady = api('/api/info').then((i) => (info = i));

async function start() {
  window.addEventListener('popstate', route);
  route();
  try {
    await infoReady;
  } catch (err) {
    errorPage(err, false);
    return;
  }
  $('#target').textContent = info.target;
  const mode = $('#mode');
  mode.textContent = info.allow_actions ? 'cancel and retry allowed' : 'read-only';
  if (info.allow_actions) mode.classList.add('actions');
}

start();
