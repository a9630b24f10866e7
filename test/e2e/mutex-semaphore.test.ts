/**
 * Mutexes and semaphores (issue 19 §3) end to end: a real coordinator and two workers with concurrency
 * 4 (`bin/jobq.js` child processes) on the test Azurite. Every locked task appends its own start and end
 * timestamps to a file, so the limits are checked from the tasks' side: at no instant do more than one
 * task of the mutex, or more than two of the semaphore, run — across several workflows, under more
 * worker slots than the limits, and across a coordinator kill -9 and restart. Grants are FIFO across
 * workflows; status says what a task waits for; cancel and purge release holds.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Fleet } from '../chaos/lib/fleet.js';
import { runJobq } from '../chaos/lib/jobq-process.js';
import { azuriteEnv, REPO_ROOT } from '../support/cli.js';
import { uniquePrefix } from '../support/azurite.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const dir = mkdtempSync(join(tmpdir(), 'jobq-locks-'));
const LOG = join(dir, 'events.log');
/** A task queue of this file's own: other e2e files' workers serve 'default' on the same Azurite. */
const QUEUE = `locks-${Math.random().toString(36).slice(2, 10)}`;
const SEMAPHORE_LIMIT = 2;

interface Spec {
  name: string;
  lock?: { kind: 'mutex' | 'semaphore'; name: string };
  sleepS: number;
  deps?: string[];
  /** Hold until this file exists (at most 150 s) instead of sleeping: the test opens the gate once it has seen what it waits for, so a slow machine cannot end the hold early. */
  gate?: string;
}

/** A task that logs `start|end <lock> <workflow>/<task> <epoch ms>` around its sleep. */
function taskYaml(t: Spec): string {
  const lock = t.lock ? `${t.lock.kind}:${t.lock.name}` : 'none';
  const stamp = (what: string) =>
    `echo "${what} ${lock} $JOBQ_WORKFLOW_ID/${t.name} $(date +%s%3N)" >> ${LOG}`;
  return (
    `  - name: ${t.name}\n` +
    (t.deps?.length ? `    depends_on: [${t.deps.join(', ')}]\n` : '') +
    (t.lock ? `    ${t.lock.kind}: ${t.lock.name}\n` : '') +
    `    kwargs:\n      cmd: '${stamp('start')} && ${hold(t)} && ${stamp('end')}'\n`
  );
}

/** The task's body: a fixed sleep, or a wait for its gate file (bounded, so a failed test never hangs a worker). */
function hold(t: Spec): string {
  if (!t.gate) return `sleep ${t.sleepS}`;
  return `i=0; while [ ! -e ${t.gate} ] && [ $i -lt 1500 ]; do sleep 0.1; i=$((i+1)); done`;
}

/** A fresh gate file path (created by {@link openGate}). */
const gatePath = (name: string) => join(dir, `gate-${name}-${Math.random().toString(36).slice(2, 8)}`);
const openGate = (path: string) => writeFileSync(path, '');

function definition(name: string, tasks: Spec[]): string {
  const p = join(dir, `${name}-${Math.random().toString(36).slice(2, 8)}.yaml`);
  writeFileSync(p, `name: ${name}\ndefault_queue: ${QUEUE}\ntasks:\n${tasks.map(taskYaml).join('')}`);
  return p;
}

interface Interval {
  lock: string;
  who: string;
  start: number;
  end: number;
}

/** Start/end pairs per `<workflow>/<task>` and lock (a task killed mid-run has no end: open to now). */
function intervals(): Interval[] {
  if (!existsSync(LOG)) return [];
  const open = new Map<string, { lock: string; start: number }>();
  const out: Interval[] = [];
  for (const line of readFileSync(LOG, 'utf8').split('\n')) {
    const [what, lock, who, at] = line.split(' ');
    if (!who) continue;
    if (what === 'start') open.set(who, { lock, start: Number(at) });
    else if (what === 'end' && open.has(who)) {
      out.push({ lock, who, start: open.get(who)!.start, end: Number(at) });
      open.delete(who);
    }
  }
  for (const [who, o] of open) out.push({ lock: o.lock, who, start: o.start, end: Date.now() });
  return out;
}

/** Most intervals of `lock` overlapping at any instant (an end at t frees the slot before a start at t). */
function maxConcurrent(all: Interval[], lock: string): number {
  const edges = all
    .filter((i) => i.lock === lock)
    .flatMap((i) => [
      [i.start, 1],
      [i.end, -1],
    ])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

const starts = (lock: string) =>
  intervals()
    .filter((i) => i.lock === lock)
    .sort((a, b) => a.start - b.start);

describe('mutex and semaphore across workflows, with real processes', () => {
  const prefix = uniquePrefix('Locks');
  let fleet: Fleet;
  const jobq = (...args: string[]) => runJobq(['workflow', ...args], fleet.env, 180_000);
  const submit = async (file: string, ...flags: string[]) => {
    const r = await jobq('submit', file, ...flags);
    expect(r.code, r.stderr + fleet.coordinator.tail).toBe(0);
    return r.stdout.trim();
  };
  const statusOf = async (id: string) => {
    const r = await jobq('status', id, '--json');
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as {
      status: string;
      tasks: Record<string, { status: string; waiting_for?: string }>;
    };
  };
  const waitFor = async <T>(what: string, probe: () => Promise<T | null | false>, ms = 90_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${fleet.coordinator.tail}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  const waitDone = (ids: string[], ms = 180_000) =>
    waitFor(
      `workflows ${ids.join(', ')} to finish`,
      async () => {
        for (const id of ids) if ((await statusOf(id)).status !== 'completed') return false;
        return true;
      },
      ms,
    );

  beforeAll(() => {
    fleet = new Fleet({
      prefix,
      queue: QUEUE,
      azuriteEnv: {
        ...azuriteEnv(),
        JOBQ_COORDINATOR_SEMAPHORES: `pool=${SEMAPHORE_LIMIT},orders-db-writers=2`,
      },
      workers: 2,
      workerConcurrency: 4,
      coordinatorArgs: [
        '--break-lease',
        '--idle-sleep-s',
        '0.05',
        '--max-idle-sleep-s',
        '0.3',
        '--visibility-timeout-s',
        '5',
        '--ready-sweep-interval-s',
        '2',
        '--ready-repair-threshold-s',
        '8',
      ],
      workerArgs: ['--max-idle-backoff', '0.3'],
    });
    fleet.start();
  });
  afterAll(async () => fleet?.stop());

  it('refuses an unknown semaphore at submit (exit 2, nothing written)', async () => {
    const bad = definition('bad', [{ name: 'x', lock: { kind: 'semaphore', name: 'nosuch' }, sleepS: 0 }]);
    const r = await jobq('submit', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown semaphore 'nosuch'.*configured: orders-db-writers, pool/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const list = await jobq('list', '--json');
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('never runs two mutex holders or three semaphore holders at once, across four workflows', async () => {
    const ids: string[] = [];
    for (let w = 0; w < 4; w++) {
      ids.push(
        await submit(
          definition(`load${w}`, [
            { name: 'm1', lock: { kind: 'mutex', name: 'db' }, sleepS: 0.6 },
            { name: 'm2', lock: { kind: 'mutex', name: 'db' }, sleepS: 0.6 },
            { name: 's1', lock: { kind: 'semaphore', name: 'pool' }, sleepS: 0.8 },
            { name: 's2', lock: { kind: 'semaphore', name: 'pool' }, sleepS: 0.8 },
            { name: 's3', lock: { kind: 'semaphore', name: 'pool' }, sleepS: 0.8, deps: ['m1'] },
            { name: 'free', sleepS: 0.2 },
          ]),
        ),
      );
    }
    await waitDone(ids);
    const all = intervals();
    expect(all.filter((i) => i.lock === 'mutex:db')).toHaveLength(8);
    expect(all.filter((i) => i.lock === 'semaphore:pool')).toHaveLength(12);
    expect(maxConcurrent(all, 'mutex:db')).toBe(1);
    // The semaphore is used to its limit (8 worker slots would allow more), never beyond it.
    expect(maxConcurrent(all, 'semaphore:pool')).toBe(SEMAPHORE_LIMIT);
  });

  it('grants FIFO across workflows, and status/explain say what a task waits for and who holds it', async () => {
    const gate = gatePath('fifo');
    const holder = await submit(
      definition('holder', [{ name: 'hold', lock: { kind: 'mutex', name: 'fifo' }, sleepS: 0, gate }]),
    );
    await waitFor('the holder to start', async () => starts('mutex:fifo').length === 1);
    const waiters: string[] = [];
    for (let w = 0; w < 3; w++) {
      const id = await submit(
        definition(`fifo${w}`, [{ name: `t${w}`, lock: { kind: 'mutex', name: 'fifo' }, sleepS: 0.3 }]),
      );
      waiters.push(id);
      const note = await waitFor(
        `fifo${w} to wait`,
        async () => (await statusOf(id)).tasks[`t${w}`].waiting_for,
      );
      expect(note).toBe(`waiting for mutex fifo (held by ${holder}/hold)`);
    }
    const explain = await jobq('explain', waiters[2], '--task', 't2');
    expect(explain.stdout).toContain(`waiting for mutex fifo (held by ${holder}/hold)`);
    openGate(gate);
    await waitDone([holder, ...waiters]);
    expect(starts('mutex:fifo').map((i) => i.who)).toEqual([
      `${holder}/hold`,
      ...waiters.map((id, w) => `${id}/t${w}`),
    ]);
  });

  it('the semaphore note counts holders', async () => {
    const gate = gatePath('sem');
    const hold = await submit(
      definition('semhold', [
        { name: 'a', lock: { kind: 'semaphore', name: 'pool' }, sleepS: 0, gate },
        { name: 'b', lock: { kind: 'semaphore', name: 'pool' }, sleepS: 0, gate },
      ]),
    );
    const waiter = await submit(
      definition('semwait', [{ name: 'c', lock: { kind: 'semaphore', name: 'pool' }, sleepS: 0.1 }]),
    );
    const note = await waitFor('c to wait', async () => (await statusOf(waiter)).tasks.c.waiting_for);
    expect(note).toMatch(
      new RegExp(`^waiting for semaphore pool \\(2 of 2 held: ${hold}/[ab], ${hold}/[ab]\\)$`),
    );
    openGate(gate);
    await waitDone([hold, waiter]);
  });

  it('limits hold across a coordinator kill -9 and restart; everything finishes', async () => {
    const before = intervals().length;
    const ids: string[] = [];
    for (let w = 0; w < 3; w++) {
      ids.push(
        await submit(
          definition(`crash${w}`, [
            { name: 'm1', lock: { kind: 'mutex', name: 'crash' }, sleepS: 1 },
            { name: 'm2', lock: { kind: 'mutex', name: 'crash' }, sleepS: 1 },
            { name: 's1', lock: { kind: 'semaphore', name: 'pool' }, sleepS: 1 },
            { name: 's2', lock: { kind: 'semaphore', name: 'pool' }, sleepS: 1 },
          ]),
        ),
      );
    }
    await waitFor('some locked tasks to run', async () => intervals().length >= before + 3);
    await fleet.coordinator.kill9();
    fleet.coordinator.start();
    await waitDone(ids);
    const all = intervals();
    expect(all.filter((i) => i.lock === 'mutex:crash')).toHaveLength(6);
    expect(maxConcurrent(all, 'mutex:crash')).toBe(1);
    expect(maxConcurrent(all, 'semaphore:pool')).toBeLessThanOrEqual(SEMAPHORE_LIMIT);
  });

  it('runs examples/shared-database.yaml: three workflows share its mutex and semaphore and all finish', async () => {
    const example = readFileSync(join(REPO_ROOT, 'examples/shared-database.yaml'), 'utf8');
    const file = join(dir, 'shared-database.yaml');
    writeFileSync(
      file,
      example.replace(/^name: shared-database$/m, `name: shared-database\ndefault_queue: ${QUEUE}`),
    );
    const ids = await Promise.all([submit(file), submit(file), submit(file)]);
    await waitDone(ids);
    const statuses = await Promise.all(ids.map(statusOf));
    for (const st of statuses)
      expect(Object.values(st.tasks).every((t) => t.status === 'completed')).toBe(true);
  });

  it('cancelling a workflow releases its hold: the next waiter starts long before the holder would end', async () => {
    const holder = await submit(
      definition('cancelled', [{ name: 'long', lock: { kind: 'mutex', name: 'cx' }, sleepS: 60 }]),
    );
    await waitFor('the long holder to start', async () => starts('mutex:cx').length === 1);
    const waiter = await submit(
      definition('after-cancel', [{ name: 'next', lock: { kind: 'mutex', name: 'cx' }, sleepS: 0.1 }]),
    );
    await waitFor('next to wait', async () => (await statusOf(waiter)).tasks.next.waiting_for);
    const cancelledAt = Date.now();
    expect((await jobq('cancel', holder)).code).toBe(0);
    await waitDone([waiter], 45_000);
    expect(starts('mutex:cx')[1].start - cancelledAt).toBeLessThan(30_000);
  });

  it('purging a running workflow releases its hold (its task still sleeping on a worker)', async () => {
    const holder = await submit(
      definition('purged', [{ name: 'long', lock: { kind: 'mutex', name: 'px' }, sleepS: 60 }]),
    );
    await waitFor('the long holder to start', async () => starts('mutex:px').length === 1);
    const purge = await jobq('purge', '--all', '--yes');
    expect(purge.code, purge.stderr).toBe(0);
    expect((await jobq('status', holder)).code).not.toBe(0);
    const purgedAt = Date.now();
    const next = await submit(
      definition('after-purge', [{ name: 'next', lock: { kind: 'mutex', name: 'px' }, sleepS: 0.1 }]),
    );
    await waitDone([next], 45_000);
    const px = starts('mutex:px');
    expect(px.map((i) => i.who)).toEqual([`${holder}/long`, `${next}/next`]);
    expect(px[1].start - purgedAt).toBeLessThan(30_000);
  });
});
