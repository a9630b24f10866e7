/**
 * `jobq workflow track` lays out big views on a worker thread: while a 1,500-node layout (seconds of
 * dagre) is computed, the same server keeps answering its API. Measured from outside, as a user's
 * browser sees it: every request sent while the graph is being laid out is timed, and the slowest must
 * stay far below the layout's own duration (on the event loop it would wait for the whole layout).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { uniquePrefix } from '../support/azurite.js';
import { openTestBackend } from '../support/backend.js';
import { startJobq, type JobqProcess } from '../support/processes.js';
import { WorkflowClient } from '../../src/client/workflow-client.js';
import type { Backend } from '../../src/ports/backend.js';
import { parseDefinition } from '../../src/model/index.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const LAYERS = 15;
const WIDTH = 100;

/** 15 layers × 100 tasks (exactly the 1,500-node budget: drawn task by task), each with two crossing parents. */
function wideDefinition() {
  const tasks: { name: string; depends_on?: string[]; kwargs: { cmd: string } }[] = [];
  const name = (l: number, i: number) => `l${String(l).padStart(2, '0')}/t${String(i).padStart(3, '0')}`;
  for (let l = 0; l < LAYERS; l++)
    for (let i = 0; i < WIDTH; i++)
      tasks.push({
        name: name(l, i),
        ...(l > 0 ? { depends_on: [...new Set([name(l - 1, i), name(l - 1, (i * 7 + 3) % WIDTH)])] } : {}),
        kwargs: { cmd: 'true' },
      });
  return parseDefinition({ name: 'wide-1500', default_queue: 'track-layout-never-served', tasks }, 'wide');
}

async function timedJson(url: string): Promise<{ ms: number; status: number; sentAt: number }> {
  const sentAt = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  return { ms: performance.now() - sentAt, status: res.status, sentAt };
}

describe('jobq workflow track: layout off the event loop', () => {
  const prefix = uniquePrefix('TrackLayout');
  const target = `devstoreaccount1/${prefix}`;
  let backend: Backend;
  let track: JobqProcess;
  let url: string;
  let id: string;

  beforeAll(async () => {
    backend = await openTestBackend(prefix);
    const client = new WorkflowClient({ backend });
    await client.ensureResources();
    id = (await client.submit(wideDefinition())).workflowId;
    track = startJobq(['workflow', target, 'track', '--port', '0', '--no-open']);
    url = (await track.waitForOutput(/Dashboard of [^\s]+: (http:\/\/127\.0\.0\.1:\d+\/)/))[1];
  });

  afterAll(async () => {
    await track?.stop();
    await backend?.close();
  });

  it('answers API requests while a 1,500-node layout is computed', async () => {
    const graphSent = performance.now();
    let graphDone = Infinity;
    const graph = fetch(`${url}api/workflows/${id}/graph`).then(async (r) => {
      const body = (await r.json()) as {
        graph: { nodes: unknown[]; layout_ms: number; aggregated: boolean };
        timings_ms: { read: number; view: number; layout_wait: number };
      };
      graphDone = performance.now();
      return { status: r.status, body };
    });
    const during: { ms: number; status: number; sentAt: number }[] = [];
    const paths = ['api/info', 'api/workflows', `api/workflows/${id}/tasks?limit=5`];
    for (let i = 0; performance.now() < graphSent + 120_000; i++) {
      const answer = await timedJson(`${url}${paths[i % paths.length]}`);
      if (answer.sentAt > graphDone) break;
      during.push(answer);
    }
    const g = await graph;
    expect(g.status).toBe(200);
    expect(g.body.graph.aggregated).toBe(false);
    expect(g.body.graph.nodes).toHaveLength(LAYERS * WIDTH);
    const layoutMs = g.body.graph.layout_ms;
    const slowest = Math.max(...during.map((d) => d.ms));
    console.log(
      `1,500-node layout ${layoutMs} ms (graph answered in ${Math.round(graphDone - graphSent)} ms: ` +
        `${JSON.stringify(g.body.timings_ms)}); ${during.length} API answers meanwhile, slowest ${Math.round(slowest)} ms`,
    );
    // The premise: this layout is heavy enough that an event-loop layout would be seen.
    expect(layoutMs).toBeGreaterThan(400);
    expect(during.every((d) => d.status === 200)).toBe(true);
    // Requests kept flowing through the layout, none waiting for it.
    expect(during.length).toBeGreaterThanOrEqual(5);
    expect(slowest).toBeLessThan(layoutMs / 2);
    // The layout is kept: a second visit does not lay out again.
    const again = await timedJson(`${url}api/workflows/${id}/graph`);
    expect(again.status).toBe(200);
    expect(again.ms).toBeLessThan(layoutMs);
  });
});
