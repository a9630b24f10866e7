/**
 * `jobq workflow track` in Debian's chromium (playwright-core) against the test run's Azurite, with a
 * real coordinator and worker: live colours, a failed task's panel, the workflows list and its filters,
 * a 30,000-task definition within 3 s, and a cancel from the page. Screenshots: .tmp/track-screens/.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { azuriteEnv, runCli } from '../support/cli.js';
import { uniquePrefix, waitFor } from '../support/azurite.js';
import { openTestBackend } from '../support/backend.js';
import { SCREENSHOT_DIR, browserUnavailable, launchBrowser } from '../support/browser.js';
import { startJobq, type JobqProcess } from '../support/processes.js';
import { WorkflowClient } from '../../src/client/workflow-client.js';
import type { Backend } from '../../src/ports/backend.js';
import { parseDefinition } from '../../src/model/index.js';
import type { WorkflowDefinition } from '../../src/model/types.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const unavailable = browserUnavailable();
/** A task queue of this file's own: other e2e files' workers serve 'default' on the same Azurite. */
const TASK_QUEUE = `track-${Math.random().toString(36).slice(2, 10)}`;
const dir = mkdtempSync(join(tmpdir(), 'jobq-track-'));
const gate = (name: string) => join(dir, `gate-${name}`);
const waitGate = (name: string) => `while [ ! -e '${gate(name)}' ]; do sleep 0.1; done`;

const LIVE_YAML = `name: live-pipeline
tasks:
  - name: setup
    kwargs: {cmd: "echo preparing data; ${waitGate('setup')}; echo setup done"}
  - name: train/small
    depends_on: [setup]
    kwargs: {cmd: "echo training small; ${waitGate('train')}"}
  - name: train/broken
    depends_on: [setup]
    kwargs: {cmd: "echo loading weights; echo 'CUDA error: out of memory (the log line)' >&2; exit 3"}
  - name: evaluate
    depends_on: [train/small]
    kwargs: {cmd: "echo evaluating"}
  - name: report
    depends_on: [evaluate, train/broken]
    dep_policy: all_settled
    kwargs: {cmd: "echo report"}
`;

/** A 30,001-task definition: setup → 10,000 × prep/i → train/i → eval/i, and one summary over every eval. */
function bigDefinition(): WorkflowDefinition {
  const tasks: { name: string; depends_on?: string[]; kwargs: { cmd: string } }[] = [
    { name: 'setup', kwargs: { cmd: 'true' } },
  ];
  for (let i = 0; i < 10_000; i++) {
    const n = String(i).padStart(5, '0');
    tasks.push({ name: `prep/${n}`, depends_on: ['setup'], kwargs: { cmd: 'true' } });
    tasks.push({ name: `train/${n}`, depends_on: [`prep/${n}`], kwargs: { cmd: 'true' } });
    tasks.push({ name: `eval/${n}`, depends_on: [`train/${n}`], kwargs: { cmd: 'true' } });
  }
  tasks.push({
    name: 'summary',
    depends_on: tasks.filter((t) => t.name.startsWith('eval/')).map((t) => t.name),
    kwargs: { cmd: 'true' },
  });
  return parseDefinition({ name: 'big-30k', tasks }, 'big-30k');
}

/** Status of a GET sent with a chosen Host header (fetch does not let a caller set Host). */
function statusWithHost(target: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(target, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(unavailable !== null)(
  `jobq workflow track in chromium${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const prefix = uniquePrefix('Track');
    const target = `devstoreaccount1/${prefix}`;
    let backend: Backend;
    let client: WorkflowClient;
    let browser: Awaited<ReturnType<typeof launchBrowser>>;
    let context: BrowserContext;
    let track: JobqProcess;
    let url: string;
    const procs: JobqProcess[] = [];
    let cancelledId = '';

    const submitYaml = async (name: string, yaml: string): Promise<string> => {
      const p = join(dir, `${name}.yaml`);
      writeFileSync(p, `default_queue: ${TASK_QUEUE}\n${yaml}`);
      const r = await runCli(['workflow', target, 'submit', p], { env: azuriteEnv() });
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
    const nodeState = (page: Page, id: string) =>
      page.locator(`#graph g.node[data-id="${id}"]`).getAttribute('data-state');

    beforeAll(async () => {
      backend = await openTestBackend(prefix);
      client = new WorkflowClient({ backend });
      await client.ensureResources();
      browser = await launchBrowser();
      context = browser.context;
      track = startJobq([
        'workflow',
        target,
        'track',
        '--port',
        '0',
        '--no-open',
        '--allow-actions',
        '--refresh',
        '0.3',
      ]);
      procs.push(track);
      url = (await track.waitForOutput(/Dashboard of [^\s]+: (http:\/\/127\.0\.0\.1:\d+\/)/))[1];
    });

    afterAll(async () => {
      await browser?.close();
      await Promise.all(procs.map((p) => p.stop()));
      await backend?.close();
    });

    it('prints its URL, serves read-only JSON without secrets, and refuses a foreign Host', async () => {
      expect(track.stderr()).toContain('Serving cancel and retry allowed on 127.0.0.1');
      const info = await (await fetch(`${url}api/info`)).json();
      expect(info).toMatchObject({ target, allow_actions: true, node_budget: 1500 });
      const text = JSON.stringify(info);
      expect(text).not.toMatch(/AccountKey|Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/);
      expect(await statusWithHost(`${url}api/info`, 'evil.example')).toBe(403);
      expect(await statusWithHost(`${url}api/info`, new URL(url).host)).toBe(200);
      const noHeader = await fetch(`${url}api/workflows/nope/cancel`, { method: 'POST' });
      expect(noHeader.status).toBe(403);
    });

    it('colours a running workflow live, and shows a failed task with its error and log', async () => {
      const id = await submitYaml('live', LIVE_YAML);
      procs.push(startJobq(['workflow', target, 'coordinator']));
      procs.push(
        startJobq(
          [
            'worker',
            TASK_QUEUE,
            '--target',
            target,
            '--concurrency',
            '4',
            '--max-idle-backoff',
            '0.5',
            '--log-refresh-interval',
            '1',
          ],
          { JOBQ_CANCEL_POLL_INTERVAL: '2' },
        ), // the cancel test need not wait the 30 s default
      );
      const page = await context.newPage();
      await page.goto(`${url}workflows/${id}`);
      await page.waitForSelector('#graph g.node[data-id="t:setup"]');
      await waitFor(async () => (await nodeState(page, 't:setup')) === 'running', {
        timeoutMs: 120_000,
        what: 'setup running',
      });
      expect(await nodeState(page, 't:evaluate')).toBe('pending');
      await shot(page, 'live-1-setup-running');
      writeFileSync(gate('setup'), '');
      await waitFor(async () => (await nodeState(page, 't:setup')) === 'completed', {
        timeoutMs: 120_000,
        what: 'setup completed',
      });
      await waitFor(async () => (await nodeState(page, 't:train/broken')) === 'failed', {
        timeoutMs: 120_000,
        what: 'broken failed',
      });
      await waitFor(async () => (await nodeState(page, 't:train/small')) === 'running', {
        timeoutMs: 120_000,
        what: 'small running',
      });
      await shot(page, 'live-2-failed-and-running');

      await page.click('#graph g.node[data-id="t:train/broken"]');
      await page.waitForSelector('#task-error');
      expect(await page.textContent('#panel-title')).toBe('train/broken');
      expect(await page.textContent('#task-error')).toMatch(/exit|status|3/i);
      expect(await page.textContent('#task-explain')).toContain('Task train/broken');
      // The attempt's real log, as the worker stored it: the panel re-reads it until the final log is
      // there (the worker writes it while it publishes the completion, so it can trail the state).
      const logText = page.locator('#task-log-text');
      await logText.waitFor({ timeout: 60_000 });
      await waitFor(async () => /attempt failed: /.test((await logText.textContent()) ?? ''), {
        timeoutMs: 60_000,
        what: "the failed attempt's final log in the panel",
      });
      const lines = ((await logText.textContent()) ?? '').split('\n');
      expect(lines.some((l) => /Z stdout +loading weights$/.test(l))).toBe(true);
      expect(lines.some((l) => /Z stderr +CUDA error: out of memory \(the log line\)$/.test(l))).toBe(true);
      expect(await page.textContent('#task-log-note')).toMatch(/^attempt 1/);
      await shot(page, 'live-3-failed-task-panel');

      // A running task's panel shows its log as the worker refreshes it, then the final log.
      await page.click('#graph g.node[data-id="t:train/small"]');
      await page.waitForSelector('#panel-title:text("train/small")');
      await waitFor(async () => /stdout +training small/.test((await page.textContent('#task-log')) ?? ''), {
        timeoutMs: 60_000,
        what: "the running task's refreshed log in the panel",
      });
      expect(await page.textContent('#task-log-note')).toMatch(/running/);
      writeFileSync(gate('train'), '');
      await waitFor(async () => /attempt succeeded/.test((await page.textContent('#task-log')) ?? ''), {
        timeoutMs: 60_000,
        what: "the finished task's final log in the panel",
      });
      await waitFor(async () => (await nodeState(page, 't:report')) === 'completed', {
        timeoutMs: 120_000,
        what: 'report completed',
      });
      // all_sinks_succeed: the sink `report` (all_settled) succeeded, so the workflow completes.
      await waitFor(async () => (await page.getAttribute('#wf-head .badge', 'data-state')) === 'completed', {
        timeoutMs: 120_000,
        what: 'workflow completed',
      });
      await page.click('#graph g.node[data-id="t:evaluate"]');
      await page.waitForSelector('#panel-title:text("evaluate")');
      await shot(page, 'live-4-finished');
      await page.close();
    });

    it('cancels a running workflow from the page after a confirmation', async () => {
      const id = await submitYaml(
        'to-cancel',
        `name: to-cancel\ntasks:\n  - name: long\n    kwargs: {cmd: "${waitGate('never-cancel')}"}\n  - name: after\n    depends_on: [long]\n    kwargs: {cmd: "true"}\n`,
      );
      const page = await context.newPage();
      await page.goto(`${url}workflows/${id}`);
      await waitFor(async () => (await nodeState(page, 't:long')) === 'running', {
        timeoutMs: 120_000,
        what: 'long running',
      });
      await page.click('#action-cancel');
      await page.waitForSelector('#modal:not([hidden])');
      await shot(page, 'cancel-1-confirm');
      await page.click('#modal-yes');
      await waitFor(async () => (await client.status(id, { includeTasks: false })).status === 'cancelled', {
        timeoutMs: 120_000,
        what: 'workflow cancelled',
      });
      await waitFor(async () => (await page.getAttribute('#wf-head .badge', 'data-state')) === 'cancelled', {
        timeoutMs: 30_000,
        what: 'page shows cancelled',
      });
      expect(await nodeState(page, 't:after')).toBe('cancelled');
      await shot(page, 'cancel-2-cancelled');
      await page.close();
      cancelledId = id;
      // The rest runs without coordinator and worker: the 30,000-task workflow is drawn, not executed.
      await Promise.all(procs.splice(1).map((p) => p.stop()));
    });

    it('lists workflows newest first and filters them by name and by state', async () => {
      const ids: string[] = [];
      for (const n of ['alpha-filter', 'beta-filter', 'gamma-filter']) {
        ids.push(
          await submitYaml(
            n,
            `name: ${n}\ntasks:\n  - name: only\n    kwargs: {cmd: "${waitGate(`never-${n}`)}"}\n`,
          ),
        );
      }
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForSelector(`#workflow-rows tr[data-id="${ids[2]}"]`);
      const order = await page.$$eval('#workflow-rows tr[data-id]', (rows) =>
        rows.map((r) => r.getAttribute('data-id')),
      );
      expect(order.indexOf(ids[2])).toBeLessThan(order.indexOf(ids[1]));
      expect(order.indexOf(ids[1])).toBeLessThan(order.indexOf(ids[0]));
      await shot(page, 'list-1-all');
      await page.fill('#filter-name', 'beta-fil');
      await waitFor(async () => (await page.$$('#workflow-rows tr[data-id]')).length === 1, {
        what: 'one row',
      });
      expect(await page.getAttribute('#workflow-rows tr[data-id]', 'data-id')).toBe(ids[1]);
      await page.fill('#filter-name', '');
      await page.selectOption('#filter-state', 'cancelled');
      await waitFor(
        async () => {
          const states = await page.$$eval('#workflow-rows tr[data-id]', (rows) =>
            rows.map((r) => r.getAttribute('data-state')),
          );
          const shown = await page.$$eval('#workflow-rows tr[data-id]', (rows) =>
            rows.map((r) => r.getAttribute('data-id')),
          );
          return states.length > 0 && states.every((s) => s === 'cancelled') && shown.includes(cancelledId);
        },
        { timeoutMs: 120_000, what: 'only cancelled rows' },
      );
      expect(page.url()).toContain('state=cancelled');
      await shot(page, 'list-2-cancelled');
      await page.close();
    });

    it('draws a 30,000-task workflow as groups within 3 s and expands one group', async () => {
      const def = bigDefinition();
      const r = await client.submit(def);
      const page = await context.newPage();
      const started = Date.now();
      const graphAnswer = page.waitForResponse((res) => /\/api\/workflows\/[^/]+\/graph/.test(res.url()));
      await page.goto(`${url}workflows/${r.workflowId}`);
      await page.waitForSelector('#graph[data-node-count] g.node');
      const elapsed = Date.now() - started;
      const nodes = Number(await page.getAttribute('#graph', 'data-node-count'));
      const { timings_ms } = (await (await graphAnswer).json()) as { timings_ms: Record<string, number> };
      console.log(
        `30,001-task workflow drawn in ${elapsed} ms as ${nodes} nodes (server ${JSON.stringify(timings_ms)}, ` +
          `page ${await page.getAttribute('#graph', 'data-rendered-ms')} ms from request to drawn)`,
      );
      expect(elapsed).toBeLessThan(3_000);
      expect(nodes).toBeLessThanOrEqual(1500);
      expect(await page.textContent('#graph-note')).toMatch(/30\d{3} tasks drawn as \d+ nodes/);
      await shot(page, 'big-1-groups');
      const group = page.locator('#graph g.node.group', { hasText: 'train' }).first();
      await group.click();
      await page.waitForSelector('#group-members li');
      expect(await page.textContent('#panel-title')).toMatch(/^train/);
      await page.click('#expand-group');
      await page.waitForSelector('#graph g.node[data-id="t:train/00000"]');
      const expanded = Number(await page.getAttribute('#graph', 'data-node-count'));
      expect(expanded).toBeGreaterThan(nodes);
      // Still responsive: a click on a drawn task answers with its panel.
      await page.click('#graph g.node[data-id="t:train/00000"]');
      await page.waitForSelector('#panel-title:text("train/00000")');
      await shot(page, 'big-2-expanded');
      await page.close();
    });
  },
);
