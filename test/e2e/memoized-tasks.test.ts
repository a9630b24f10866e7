/**
 * Memoized tasks (issue 19 §1) end to end: a real coordinator and worker (`bin/jobq.js` child
 * processes) on the test Azurite. Every task appends its name to a file, so executions are counted
 * from the tasks' own side. A re-run with one changed root re-runs only that root's sub-graph; hits
 * survive purging their source workflow; `--no-cache` runs everything; two workflows racing on one key
 * both run (the documented choice).
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Fleet } from '../chaos/lib/fleet.js';
import { runJobq } from '../chaos/lib/jobq-process.js';
import { azuriteEnv, REPO_ROOT } from '../support/cli.js';
import { uniquePrefix } from '../support/azurite.js';
import { startJobq } from '../support/processes.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const dir = mkdtempSync(join(tmpdir(), 'jobq-memo-'));
const LOG = join(dir, 'executions.log');
const JOBQ = `${process.execPath} ${join(REPO_ROOT, 'bin', 'jobq.js')}`;

/** A task that records its execution and passes its inputs (plus a tag) on as its output. */
const task = (name: string, deps: string[], tag: string, extra = '') =>
  `  - name: ${name}\n    depends_on: [${deps.join(', ')}]\n    cache: true\n${extra}` +
  `    kwargs:\n      cmd: >-\n        echo ${name} >> ${LOG} &&\n        ${deps.length ? `${JOBQ} task inputs` : `echo '{}'`} |\n` +
  `        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify({tag:"${tag}",in:JSON.parse(s||"{}")})))' > "$JOBQ_OUTPUT_FILE"\n`;

/** r1 → m1 ─┐
 *  r2 → m2 ─┴→ s        r1's tag is the one input that changes between runs. */
/** A task queue of this file's own: other e2e files' workers serve 'default' on the same Azurite. */
const QUEUE = `memo-${Math.random().toString(36).slice(2, 10)}`;

function pipeline(rootTag: string, name = 'memo'): string {
  const p = join(dir, `${name}-${rootTag}-${Math.random().toString(36).slice(2, 8)}.yaml`);
  writeFileSync(
    p,
    `name: ${name}\ndefault_queue: ${QUEUE}\ntasks:\n` +
      task('r1', [], rootTag) +
      task('r2', [], 'fixed') +
      task('m1', ['r1'], 'm') +
      task('m2', ['r2'], 'm') +
      task('s', ['m1', 'm2'], 's'),
  );
  return p;
}

const executions = (): string[] =>
  existsSync(LOG) ? readFileSync(LOG, 'utf8').trim().split('\n').filter(Boolean) : [];

describe('cache: true across workflows, with real processes', () => {
  const prefix = uniquePrefix('Memo');
  let fleet: Fleet;
  const jobq = (...args: string[]) => runJobq(['workflow', ...args], fleet.env, 180_000);
  const submitWait = async (file: string, ...flags: string[]) => {
    const r = await jobq('submit', file, '--wait', ...flags);
    expect(r.code, r.stderr + fleet.coordinator.tail).toBe(0);
    return r.stdout.trim();
  };
  const cacheCount = async () => {
    const r = await jobq('cache', 'list', '--json');
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as unknown[]).length;
  };
  const waitForEntries = async (n: number) => {
    const deadline = Date.now() + 30_000;
    while ((await cacheCount()) < n) {
      if (Date.now() > deadline) throw new Error(`cache never reached ${n} entries`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(() => {
    fleet = new Fleet({
      prefix,
      queue: QUEUE,
      azuriteEnv: azuriteEnv(),
      workers: 1,
      workerConcurrency: 4,
      // A brisk running-timeout sweep (16 shard ticks a round) so a timeout lands within ~2 s.
      coordinatorArgs: [
        '--idle-sleep-s',
        '0.05',
        '--max-idle-sleep-s',
        '0.3',
        '--running-sweep-interval-s',
        '0.1',
      ],
      workerArgs: ['--max-idle-backoff', '0.3'],
    });
    fleet.start();
  });
  afterAll(async () => fleet?.stop());

  it('first run executes every task and records each result', async () => {
    await submitWait(pipeline('A'));
    expect(executions().sort()).toEqual(['m1', 'm2', 'r1', 'r2', 's']);
    await waitForEntries(5);
  });

  it('an identical re-run executes nothing: every task is completed from the cache, status says so', async () => {
    const id = await submitWait(pipeline('A'));
    expect(executions()).toHaveLength(5);
    const st = await jobq('status', id, '--json');
    const tasks = (
      JSON.parse(st.stdout) as { tasks: Record<string, { status: string; cached_from?: string }> }
    ).tasks;
    expect(Object.keys(tasks).sort()).toEqual(['m1', 'm2', 'r1', 'r2', 's']);
    for (const [name, t] of Object.entries(tasks)) {
      expect(t.status).toBe('completed');
      expect(t.cached_from).toMatch(new RegExp(`^[0-9a-f]{32}/${name}/1$`));
    }
    const text = await jobq('status', id, '--tasks');
    expect(text.stdout + text.stderr).toMatch(
      new RegExp(`completed \\(cached\\).*cached from [0-9a-f]{32}/m1/1`),
    );
    const tasks2 = await jobq('tasks', id);
    expect(tasks2.code, tasks2.stderr).toBe(0);
    expect(tasks2.stdout).toMatch(/s\s.*completed \(cached\).*cached from [0-9a-f]{32}\/s\/1/);
    const tasksJson = JSON.parse((await jobq('tasks', id, '--json')).stdout) as {
      name: string;
      cached_from?: string;
    }[];
    expect(tasksJson.map((t) => [t.name, t.cached_from]).sort()).toEqual(
      Object.keys(tasks)
        .sort()
        .map((n) => [n, tasks[n].cached_from]),
    );
    const explain = await jobq('explain', id, '--task', 's');
    expect(explain.stdout + explain.stderr).toMatch(
      new RegExp(`completed from the cache \\(result of ${tasks.s.cached_from}\\)`),
    );

    // The dashboard's task panel and task list answer the same source.
    const track = startJobq(['workflow', 'track', '--port', '0', '--no-open'], {
      JOBQ_WORKFLOW_PREFIX: `devstoreaccount1/${prefix}`,
    });
    try {
      const url = (await track.waitForOutput(/Dashboard of [^\s]+: (http:\/\/127\.0\.0\.1:\d+\/)/))[1];
      const panel = (await (await fetch(`${url}api/workflows/${id}/tasks/s`)).json()) as Record<
        string,
        unknown
      >;
      expect(panel).toMatchObject({ state: 'completed', cached_from: tasks.s.cached_from });
      expect(panel.explain_text).toMatch(/completed from the cache/);
      const list = (await (await fetch(`${url}api/workflows/${id}/tasks`)).json()) as {
        tasks: { name: string; cached_from: string | null }[];
      };
      expect(list.tasks.map((t) => [t.name, t.cached_from]).sort()).toEqual(
        Object.keys(tasks)
          .sort()
          .map((n) => [n, tasks[n].cached_from]),
      );
    } finally {
      await track.stop();
    }
  });

  it('one changed root re-runs only its sub-graph (r1, m1, s); r2 and m2 are hits', async () => {
    await submitWait(pipeline('B'));
    expect(executions().slice(5).sort()).toEqual(['m1', 'r1', 's']);
  });

  it('hits survive purging the workflows that produced them', async () => {
    await waitForEntries(8);
    const purged = await jobq('purge', '--yes');
    expect(purged.code, purged.stderr).toBe(0);
    const before = executions().length;
    await submitWait(pipeline('B'));
    expect(executions()).toHaveLength(before);
  });

  it('--no-cache runs every task again', async () => {
    const before = executions().length;
    await submitWait(pipeline('A'), '--no-cache');
    expect(executions().slice(before).sort()).toEqual(['m1', 'm2', 'r1', 'r2', 's']);
  });

  it('two workflows racing on one key both run (neither waits for the other); a later one hits', async () => {
    const racer = join(dir, 'race.yaml');
    writeFileSync(
      racer,
      `name: race\ndefault_queue: ${QUEUE}\ntasks:\n  - name: slow\n    cache: true\n    kwargs: {cmd: "echo slow >> ${LOG} && sleep 4"}\n`,
    );
    const before = executions().length;
    await Promise.all([submitWait(racer), submitWait(racer)]);
    expect(executions().slice(before)).toEqual(['slow', 'slow']);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const list = JSON.parse((await jobq('cache', 'list', '--json')).stdout) as { source: string }[];
      if (list.some((e) => e.source.endsWith('/slow/1'))) break;
      if (Date.now() > deadline) throw new Error('the race result was never recorded');
      await new Promise((r) => setTimeout(r, 250));
    }
    await submitWait(racer);
    expect(executions().slice(before)).toEqual(['slow', 'slow']);
  });

  it('never records a failed, timed-out or cancelled attempt: those tasks run again on a re-run', async () => {
    // `fails` writes an output and exits 3; `slow` writes one, is timed out by the coordinator after
    // 2 s and then succeeds late (the worker is not told, reference §5.9): that late success is
    // ignored and must not be recorded. `marker` succeeds after it, so once marker's entry exists the
    // late completion has been received.
    const file = join(dir, 'unlucky.json');
    const out = (v: string) => `echo '{"v": "${v}"}' > "$JOBQ_OUTPUT_FILE"`;
    writeFileSync(
      file,
      JSON.stringify({
        name: 'unlucky',
        default_queue: QUEUE,
        tasks: [
          { name: 'fails', cache: true, kwargs: { cmd: `echo fails >> ${LOG}; ${out('f')}; exit 3` } },
          {
            name: 'slow',
            cache: true,
            timeout_s: 2,
            kwargs: { cmd: `echo slow >> ${LOG}; ${out('s')}; sleep 8; echo slow-done >> ${LOG}` },
          },
          { name: 'marker', cache: true, kwargs: { cmd: `echo marker >> ${LOG}; sleep 12; ${out('m')}` } },
        ],
      }),
    );
    const before = executions().length;
    const first = await jobq('submit', file, '--wait');
    expect(first.code, first.stderr).toBe(1);
    const id = first.stdout.trim();
    const st = JSON.parse((await jobq('status', id, '--json')).stdout) as {
      tasks: Record<string, { status: string; error?: string }>;
    };
    expect(st.tasks.fails.status).toBe('failed');
    expect(st.tasks.slow).toMatchObject({ status: 'failed', error: expect.stringMatching(/timed out/) });
    expect(st.tasks.marker.status).toBe('completed');
    expect(executions().slice(before)).toContain('slow-done');
    const sources = async () =>
      (JSON.parse((await jobq('cache', 'list', '--json')).stdout) as { source: string }[]).map(
        (e) => e.source,
      );
    const deadline = Date.now() + 30_000;
    while (!(await sources()).includes(`${id}/marker/1`)) {
      if (Date.now() > deadline) throw new Error('marker was never recorded');
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((await sources()).filter((s) => s.startsWith(`${id}/`))).toEqual([`${id}/marker/1`]);

    // A re-run executes fails and slow again; marker is a hit.
    const mid = executions().length;
    const again = await jobq('submit', file, '--wait');
    expect(again.code, again.stderr).toBe(1);
    expect(
      executions()
        .slice(mid)
        .filter((e) => e !== 'slow-done')
        .sort(),
    ).toEqual(['fails', 'slow']);
    const st2 = JSON.parse((await jobq('status', again.stdout.trim(), '--json')).stdout) as {
      tasks: Record<string, { status: string; cached_from?: string }>;
    };
    expect(st2.tasks.marker.cached_from).toBe(`${id}/marker/1`);
    expect(st2.tasks.fails.cached_from).toBeUndefined();
  });

  it('never records a cancelled attempt', async () => {
    const file = join(dir, 'cancelled.json');
    const cmd = `echo held >> ${LOG}; echo '{"c": 1}' > "$JOBQ_OUTPUT_FILE"; sleep 30`;
    writeFileSync(
      file,
      JSON.stringify({
        name: 'cancelled',
        default_queue: QUEUE,
        tasks: [{ name: 'held', cache: true, kwargs: { cmd } }],
      }),
    );
    const runAndCancel = async () => {
      const before = executions().filter((e) => e === 'held').length;
      const sub = await jobq('submit', file);
      expect(sub.code, sub.stderr).toBe(0);
      const id = sub.stdout.trim();
      const deadline = Date.now() + 60_000;
      while (executions().filter((e) => e === 'held').length === before) {
        if (Date.now() > deadline) throw new Error('held never started');
        await new Promise((r) => setTimeout(r, 100));
      }
      const c = await jobq('cancel', id);
      expect(c.code, c.stderr).toBe(0);
      for (;;) {
        const st = JSON.parse((await jobq('status', id, '--json')).stdout) as { status: string };
        if (st.status === 'cancelled') break;
        if (Date.now() > deadline) throw new Error(`cancel of ${id} never finished (${st.status})`);
        await new Promise((r) => setTimeout(r, 250));
      }
      return id;
    };
    const first = await runAndCancel();
    const list = JSON.parse((await jobq('cache', 'list', '--json')).stdout) as { source: string }[];
    expect(list.filter((e) => e.source.startsWith(`${first}/`))).toEqual([]);
    // Re-run: held executes again (no hit), and is cancelled again.
    const second = await runAndCancel();
    expect(second).not.toBe(first);
  });

  it('retry uses hits recorded since the failure; retry --no-cache runs the task again', async () => {
    // b fails unless an ok-file for its workflow exists (the workflow ID is not part of its key).
    const file = join(dir, 'retry.json');
    const ok = (id: string) => join(dir, `ok-${id}`);
    writeFileSync(
      file,
      JSON.stringify({
        name: 'retry-memo',
        default_queue: QUEUE,
        tasks: [
          { name: 'a', kwargs: { cmd: `echo '{"v": 1}' > "$JOBQ_OUTPUT_FILE"` } },
          {
            name: 'b',
            depends_on: ['a'],
            cache: true,
            kwargs: {
              cmd: `echo rb >> ${LOG}; test -e ${join(dir, 'ok-')}$JOBQ_WORKFLOW_ID && echo '{"b": 1}' > "$JOBQ_OUTPUT_FILE"`,
            },
          },
        ],
      }),
    );
    const ids = Array.from({ length: 3 }, () => randomBytes(16).toString('hex'));
    const [plain, noCache, producer] = ids;
    const runs = () => executions().filter((e) => e === 'rb').length;
    const state = async (id: string) =>
      JSON.parse((await jobq('status', id, '--json')).stdout) as {
        status: string;
        tasks: Record<string, { status: string; cached_from?: string }>;
      };
    const finished = async (id: string) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const st = await state(id);
        if (['completed', 'failed', 'cancelled'].includes(st.status)) return st;
        if (Date.now() > deadline) throw new Error(`${id} never finished (${st.status})`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    for (const id of [plain, noCache]) {
      const r = await jobq('submit', file, '--id', id, '--wait');
      expect(r.code, r.stderr).toBe(1);
      expect((await state(id)).tasks.b.status).toBe('failed');
    }
    writeFileSync(ok(producer), '');
    expect((await jobq('submit', file, '--id', producer, '--wait')).code).toBe(0);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const list = JSON.parse((await jobq('cache', 'list', '--json')).stdout) as { source: string }[];
      if (list.some((e) => e.source === `${producer}/b/1`)) break;
      if (Date.now() > deadline) throw new Error('b was never recorded');
      await new Promise((r) => setTimeout(r, 250));
    }

    const before = runs();
    expect((await jobq('retry', plain)).code).toBe(0);
    const p = await finished(plain);
    expect(p.status).toBe('completed');
    expect(p.tasks.b.cached_from).toBe(`${producer}/b/1`);
    expect(runs()).toBe(before);

    writeFileSync(ok(noCache), '');
    expect((await jobq('retry', noCache, '--no-cache')).code).toBe(0);
    const n = await finished(noCache);
    expect(n.status).toBe('completed');
    expect(n.tasks.b.cached_from).toBeUndefined();
    expect(runs()).toBe(before + 1);
  });

  it('examples/memoized-pipeline.yaml: a re-submit is served from the cache; a version bump re-runs only that step', async () => {
    // The example as shipped, on this file's own task queue.
    const original = readFileSync(join(REPO_ROOT, 'examples', 'memoized-pipeline.yaml'), 'utf8');
    const example = (text: string) => {
      const p = join(dir, `example-${Math.random().toString(36).slice(2, 8)}.yaml`);
      writeFileSync(p, text.replace(/^name: memoized-pipeline$/m, `$&\ndefault_queue: ${QUEUE}`));
      return p;
    };
    const cachedOf = async (id: string) => {
      const st = JSON.parse((await jobq('status', id, '--json')).stdout) as {
        tasks: Record<string, { status: string; cached_from?: string }>;
      };
      for (const t of Object.values(st.tasks)) expect(t.status).toBe('completed');
      return Object.fromEntries(Object.entries(st.tasks).map(([n, t]) => [n, t.cached_from ?? null]));
    };
    const first = await submitWait(example(original));
    const firstCached = await cachedOf(first);
    // Results are recorded in the background after each completion: wait for the last one.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const list = JSON.parse((await jobq('cache', 'list', '--json')).stdout) as { source: string }[];
      if (list.some((e) => e.source === `${first}/features/1`)) break;
      if (Date.now() > deadline) throw new Error('features was never recorded');
      await new Promise((r) => setTimeout(r, 250));
    }
    const again = await submitWait(example(original));
    const cached = await cachedOf(again);
    for (const t of ['fetch', 'clean', 'features']) expect(cached[t], t).toBe(`${first}/${t}/1`);
    expect(cached.report).toBeNull();
    expect(firstCached.report).toBeNull();

    const bumped = original.replace('cache: { version: "v2" }', 'cache: { version: "v3" }');
    expect(bumped).not.toBe(original);
    const third = await cachedOf(await submitWait(example(bumped)));
    expect(third.fetch).toBe(cached.fetch);
    expect(third.clean).toBeNull(); // a new version: clean ran
    expect(third.features).toBe(cached.features); // same rows from clean: the explicit key still hits
  });

  it('cache purge --older-than and show', async () => {
    const list = JSON.parse((await jobq('cache', 'list', '--json')).stdout) as {
      key: string;
      source: string;
    }[];
    const shown = await jobq('cache', 'show', list[0].key.slice(0, 12), '--json');
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ key: list[0].key, source: list[0].source });
    const keep = await jobq('cache', 'purge', '--older-than', '1h');
    expect(keep.stdout).toMatch(/Deleted 0 cache entries/);
    const bad = await jobq('cache', 'purge', '--older-than', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--older-than must be a duration/);
    const all = await jobq('cache', 'purge', '--all');
    expect(all.stdout).toMatch(new RegExp(`Deleted ${list.length} cache entries`));
    expect(await cacheCount()).toBe(0);
  });
});
