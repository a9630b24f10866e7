/**
 * `jobq workflow track`'s safety promises, checked from outside as a browser and a script see them:
 * no secret (account key, connection string, SAS) in any page, asset, API answer, live event or error,
 * even when the target is configured by a connection string; and, with storage unreachable, a clear
 * error page in the browser and one-line 503 answers from the API.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { azuriteEnv, runCli } from '../support/cli.js';
import { uniquePrefix, waitFor } from '../support/azurite.js';
import { openTestBackend } from '../support/backend.js';
import { SCREENSHOT_DIR, browserUnavailable, launchBrowser } from '../support/browser.js';
import { startJobq, type JobqProcess } from '../support/processes.js';
import type { Backend } from '../../src/ports/backend.js';
import { WorkflowClient } from '../../src/client/workflow-client.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const unavailable = browserUnavailable();
const TASK_QUEUE = `tracksafe-${Math.random().toString(36).slice(2, 10)}`;
const dir = mkdtempSync(join(tmpdir(), 'jobq-track-safety-'));

/**
 * What in `text` gives storage away: the key (whole, or its first 20 characters) or an unredacted
 * credential field; `strict` (pages and API answers) also refuses a redacted connection string.
 */
function secretsIn(text: string, key: string, strict: boolean): string[] {
  const found: string[] = [];
  if (text.includes(key)) found.push('the account key');
  if (text.includes(key.slice(0, 20))) found.push('the start of the account key');
  const patterns = [/AccountKey=(?!\*)/i, /SharedAccessSignature=(?!\*)/i, /[?&]sig=(?!\*)/i];
  if (strict) patterns.push(/AccountKey/i, /DefaultEndpointsProtocol=/i);
  for (const re of patterns) if (re.test(text)) found.push(String(re));
  return found;
}

/** A loopback port nothing listens on (bound once, then released). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** The first `event: update` of a live feed, read from the raw stream. */
async function firstEvent(url: string): Promise<string> {
  const ctl = new AbortController();
  const res = await fetch(url, { signal: ctl.signal });
  const reader = res.body!.getReader();
  let text = '';
  const deadline = Date.now() + 30_000;
  while (!text.includes('event: update') || !text.slice(text.indexOf('event: update')).includes('\n\n')) {
    if (Date.now() > deadline) throw new Error(`no update event in: ${text}`);
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  ctl.abort();
  return text;
}

describe.skipIf(unavailable !== null)(
  `jobq workflow track: no secrets, clear outage page${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const prefix = uniquePrefix('TrackSafe');
    const { connectionString } = inject('azurite');
    const key = /AccountKey=([^;]+)/.exec(connectionString)![1];
    let backend: Backend;
    let browser: Awaited<ReturnType<typeof launchBrowser>>;
    const procs: JobqProcess[] = [];

    beforeAll(async () => {
      backend = await openTestBackend(prefix);
      await new WorkflowClient({ backend }).ensureResources();
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await Promise.all(procs.map((p) => p.stop()));
      await backend?.close();
    });

    it('puts no key, connection string or SAS in any page, asset, API answer, event or error', async () => {
      // The dashboard reaches storage through a connection string with the account key in it.
      const config = join(dir, 'jobq.yaml');
      writeFileSync(
        config,
        `connection:\n  storage: "${connectionString}"\n  prefix: ${prefix}\n  queues: "${connectionString}"\n`,
      );
      const wfFile = join(dir, 'wf.yaml');
      writeFileSync(
        wfFile,
        `name: secret-free\ndefault_queue: ${TASK_QUEUE}\ntasks:\n` +
          `  - name: talk\n    kwargs: {cmd: "echo hello; jobq task output set '{\\"n\\": 1}'"}\n` +
          `  - name: fail\n    num_retries: 1\n    kwargs: {cmd: "echo oops >&2; exit 4"}\n`,
      );
      const target = `devstoreaccount1/${prefix}`;
      const sub = await runCli(['workflow', target, 'submit', wfFile], { env: azuriteEnv() });
      expect(sub.code, sub.stderr).toBe(0);
      const id = sub.stdout.trim();
      procs.push(startJobq(['workflow', target, 'coordinator']));
      procs.push(startJobq(['worker', TASK_QUEUE, '--target', target, '--max-idle-backoff', '0.5']));
      const track = startJobq([
        'workflow',
        'track',
        '--config',
        config,
        '--port',
        '0',
        '--no-open',
        '--allow-actions',
      ]);
      procs.push(track);
      const url = (await track.waitForOutput(/Dashboard of [^\s]+: (http:\/\/127\.0\.0\.1:\d+\/)/))[1];
      const client = new WorkflowClient({ backend });
      await waitFor(async () => (await client.status(id, { includeTasks: false })).status === 'failed', {
        timeoutMs: 120_000,
        what: 'the workflow to end failed',
      });

      const bodies: [string, string][] = [];
      const get = async (path: string, init?: RequestInit) => {
        const res = await fetch(`${url}${path}`, init);
        const text = await res.text();
        bodies.push([`${init?.method ?? 'GET'} /${path} (${res.status})`, text]);
        return { status: res.status, text };
      };
      for (const p of ['', `workflows/${id}`, 'assets/app.js', 'assets/graph.js', 'assets/app.css'])
        expect((await get(p)).status).toBe(200);
      const info = JSON.parse((await get('api/info')).text);
      expect(info.target).toBe(`devstoreaccount1/${prefix}`); // the account name, never the string
      expect((await get('api/workflows')).status).toBe(200);
      for (const p of ['', '/graph', '/tasks', '/tasks/talk', '/tasks/talk/output', '/tasks/talk/log'])
        expect((await get(`api/workflows/${id}${p}`)).status).toBe(200);
      const failLog = JSON.parse((await get(`api/workflows/${id}/tasks/fail/log?attempt=1`)).text);
      expect(failLog.text).toContain('oops');
      // Errors carry the target too: a missing workflow, bad input, a refused action.
      expect((await get('api/workflows/0123456789abcdef0123456789abcdef')).status).toBe(404);
      expect((await get('api/workflows?state=bogus')).status).toBe(400);
      expect((await get(`api/workflows/${id}/cancel`, { method: 'POST' })).status).toBe(403);
      const retry = await get(`api/workflows/${id}/retry`, {
        method: 'POST',
        headers: { 'x-jobq-action': 'retry' },
      });
      expect(retry.status).toBe(200);
      bodies.push(['events', await firstEvent(`${url}api/workflows/${id}/events`)]);

      // What the browser ends up holding after drawing both pages and a task panel.
      const page = await browser.context.newPage();
      await page.goto(url);
      await page.waitForSelector(`#workflow-rows tr[data-id="${id}"]`);
      bodies.push(['workflows page DOM', await page.content()]);
      await page.goto(`${url}workflows/${id}`);
      await page.click('#graph g.node[data-id="t:talk"]');
      await page.waitForSelector('#task-log-text, #task-log-missing');
      bodies.push(['workflow page DOM', await page.content()]);
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'safety-1-connection-string-target.png') });
      await page.close();
      bodies.push(['track stdout', track.stdout()], ['track stderr', track.stderr()]);

      const leaks = bodies.flatMap(([what, text]) =>
        secretsIn(text, key, !what.startsWith('track std')).map((s) => `${what}: ${s}`),
      );
      expect(leaks).toEqual([]);
      expect(bodies.length).toBeGreaterThan(20);
    });

    it('shows a clear error page, and one-line 503 answers, when storage is unreachable', async () => {
      const port = await deadPort();
      const track = startJobq(
        ['workflow', `devstoreaccount1/${prefix}`, 'track', '--port', '0', '--no-open'],
        { BLOB_PORT: String(port), QUEUE_PORT: String(port), TABLE_PORT: String(port) },
      );
      procs.push(track);
      const url = (await track.waitForOutput(/Dashboard of [^\s]+: (http:\/\/127\.0\.0\.1:\d+\/)/))[1];
      // The command says so at start, and keeps serving.
      expect(track.stderr()).toMatch(/the dashboard shows this until it is fixed/);
      const res = await fetch(`${url}api/workflows`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: string };
      expect(body.error.split('\n')).toHaveLength(1);
      expect(body.error).toMatch(new RegExp(`${port}`));
      expect(body.error).toMatch(/jobq azurite|JOBQ_WORKFLOW_PREFIX/);
      expect(body.error).not.toMatch(/\n|^\s+at |node:internal|\.js:\d+/); // no stack trace

      const page = await browser.context.newPage();
      await page.goto(url);
      await page.waitForSelector('#error-page');
      expect(await page.textContent('#error-page h1')).toBe('Storage unreachable');
      expect(await page.textContent('#error-page pre')).toBe(body.error);
      expect(await page.textContent('#error-page')).toMatch(/Retrying every 3 seconds/);
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'safety-2-storage-unreachable.png') });
      // A workflow page says the same, not a blank graph.
      await page.goto(`${url}workflows/0123456789abcdef0123456789abcdef`);
      await page.waitForSelector('#error-page');
      expect(await page.textContent('#error-page h1')).toBe('Storage unreachable');
      expect(await page.textContent('#error-page')).toMatch(/Retrying every 3 seconds/);
      await page.close();
    });
  },
);
