/**
 * The coordinator's lock keeper (coordinator/locks.ts) on memory adapters, with an in-test worker that
 * holds every task message until the test completes it: a locked task is pushed only while it holds a
 * slot, the next waiter — of another workflow — is pushed when a hold ends (completion, timeout),
 * FIFO; a restarted coordinator rebuilds from the store and delivers a grant whose message was never
 * sent; max_parallelism keeps working beside a semaphore.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/index.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld, type MemoryWorld } from '../../../src/adapters/memory/world.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import type { CoordinatorSettings } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log.js';
import type { Backend } from '../../../src/ports/backend.js';
import type { ReceivedMessage } from '../../../src/ports/queue.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { parseDefinition } from '../../../src/model/load.js';
import { decodeTaskMessage } from '../../../src/wire/task-message.js';
import { encodeCompletionMessage } from '../../../src/wire/completion-message.js';

const SETTINGS: CoordinatorSettings = {
  ...DEFAULT_COORDINATOR_SETTINGS,
  idleSleepS: 0.001,
  maxIdleSleepS: 0.01,
  leaseDurationS: 15,
  leaseRenewIntervalS: 5,
};

async function until<T>(what: string, probe: () => T | Promise<T>, ms = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Running {
  msg: ReceivedMessage;
  workflowId: string;
  task: string;
  attempt: number;
}

/** Receives task messages and keeps them until `complete` (a worker whose tasks take as long as the test says). */
class HoldingWorker {
  readonly running: Running[] = [];
  /** Most messages of each lock-prefixed task group outstanding at once, by the name's prefix. */
  readonly peak = new Map<string, number>();
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(private readonly backend: Backend) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const q = this.backend.queues.get('default');
    await q.ensure();
    while (!this.stopped) {
      for (const msg of await q.receive(32, 600)) {
        const d = decodeTaskMessage(msg.body);
        if (d.kind !== 'workflow') continue;
        this.running.push({ msg, workflowId: d.workflowId, task: d.task, attempt: d.attemptNo ?? 1 });
        for (const group of ['m', 's', 'f']) {
          const n = this.running.filter((r) => r.task.startsWith(group)).length;
          this.peak.set(group, Math.max(this.peak.get(group) ?? 0, n));
        }
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Running tasks as `<workflow>/<task>`. */
  names(): string[] {
    return this.running.map((r) => `${r.workflowId}/${r.task}`);
  }

  async complete(workflowId: string, task: string, success = true): Promise<void> {
    const i = this.running.findIndex((r) => r.workflowId === workflowId && r.task === task);
    if (i < 0) throw new Error(`${workflowId}/${task} is not running (running: ${this.names().join(', ')})`);
    const [r] = this.running.splice(i, 1);
    await this.backend.completions.send(
      encodeCompletionMessage({
        workflowId,
        task,
        success,
        outputRef: null,
        error: success ? null : 'boom',
        attemptNo: r.attempt,
      }),
    );
    await this.backend.queues.get('default').delete(r.msg);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup(semaphores: Record<string, number> = {}, world: MemoryWorld = createMemoryWorld()) {
  const backend = openMemoryBackend(world, 'Locks');
  await backend.ensureResources();
  const client = new WorkflowClient({ backend, semaphores });
  const worker = new HoldingWorker(backend);
  cleanups.push(() => worker.stop());
  return { world, backend, client, worker };
}

function startCoordinator(
  backend: Backend,
  semaphores: Record<string, number>,
  over: Partial<CoordinatorSettings> = {},
) {
  const c = new Coordinator({
    backend,
    settings: { ...SETTINGS, ...over },
    logger: silentLogger(),
    semaphores,
    breakLease: true,
  });
  cleanups.push(() => c.stop());
  return c;
}

const yamlDef = (name: string, tasks: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
  parseDefinition({ name, tasks, ...extra }, `${name}.yaml`);

describe('lock keeper', () => {
  it('pushes one mutex holder at a time across workflows, FIFO, the next waiter of another workflow on completion', async () => {
    const { backend, client, worker } = await setup();
    const c = startCoordinator(backend, {});
    await c.start();
    const ids: string[] = [];
    for (const w of ['A', 'B', 'C']) {
      const r = await client.submit(yamlDef(w, [{ name: 'm', mutex: 'db' }]));
      ids.push(r.workflowId);
      // Each waits behind the first before the next is submitted, so FIFO order is A, B, C.
      await until(`${w} to hold or wait`, async () =>
        ids.length === 1 ? worker.running.length === 1 : (await client.status(r.workflowId)).lock_waits?.m,
      );
    }
    expect(worker.names()).toEqual([`${ids[0]}/m`]);
    const st = await client.status(ids[2]);
    expect(st.tasks?.find((t) => t.name === 'm')).toMatchObject({
      status: 'ready',
      waiting_for: `waiting for mutex db (held by ${ids[0]}/m)`,
    });
    await worker.complete(ids[0], 'm');
    await until('B to be pushed', () => worker.names()[0] === `${ids[1]}/m`);
    await worker.complete(ids[1], 'm');
    await until('C to be pushed', () => worker.names()[0] === `${ids[2]}/m`);
    await worker.complete(ids[2], 'm');
    await until('all done', async () => (await client.status(ids[2])).status === 'completed');
    expect(worker.peak.get('m')).toBe(1);
    await until('the last hold released', async () => (await backend.locks.holds('mutex.db')).length === 0);
    expect(await backend.locks.waiters('mutex.db')).toEqual([]);
    await until('the counters', () => c.stats().lock_releases === 3);
    expect(c.stats()).toMatchObject({ lock_waits: 2, lock_grants: 3, lock_releases: 3 });
  });

  it('a failed attempt that retries releases its hold and queues again behind the waiters', async () => {
    const { backend, client, worker } = await setup();
    await startCoordinator(backend, {}).start();
    const a = (await client.submit(yamlDef('A', [{ name: 'm', mutex: 'db', num_retries: 1 }]))).workflowId;
    await until('A running', () => worker.running.length === 1);
    const b = (await client.submit(yamlDef('B', [{ name: 'm', mutex: 'db' }]))).workflowId;
    await until('B waiting', async () => (await client.status(b)).lock_waits?.m);
    await worker.complete(a, 'm', false);
    await until('B pushed', () => worker.names()[0] === `${b}/m`);
    expect(worker.running).toHaveLength(1);
    const note = await until(
      'A attempt 2 waiting (flushed)',
      async () => (await client.status(a)).lock_waits?.m,
    );
    expect(note).toBe(`waiting for mutex db (held by ${b}/m)`);
    await worker.complete(b, 'm');
    await until('A attempt 2 pushed', () => worker.running[0]?.attempt === 2);
    expect(worker.peak.get('m')).toBe(1);
  });

  it('a timed-out holder releases its hold; the waiter is pushed', async () => {
    const { backend, client, worker } = await setup();
    await startCoordinator(backend, {}, { runningSweepIntervalS: 0.02 }).start();
    const a = (await client.submit(yamlDef('A', [{ name: 'm', mutex: 'db', timeout_s: 1 }]))).workflowId;
    await until('A running', () => worker.running.length === 1);
    const b = (await client.submit(yamlDef('B', [{ name: 'm', mutex: 'db' }]))).workflowId;
    await until('B pushed after A timed out', () => worker.names().includes(`${b}/m`), 15_000);
    await until('A failed (flushed)', async () => (await client.status(a)).status === 'failed');
  });

  it('keeps a semaphore of 2 and max_parallelism 3 at once', async () => {
    const { backend, client, worker } = await setup({ pool: 2 });
    await startCoordinator(backend, { pool: 2 }).start();
    const tasks = [
      ...['s1', 's2', 's3', 's4', 's5'].map((name) => ({ name, semaphore: 'pool' })),
      ...['f1', 'f2', 'f3'].map((name) => ({ name })),
    ];
    const id = (await client.submit(yamlDef('P', tasks, { max_parallelism: 3 }))).workflowId;
    for (;;) {
      const st = await client.status(id);
      if (st.status === 'completed') break;
      await until('something running', () => worker.running.length > 0 || undefined, 5_000).catch(() => null);
      expect(worker.running.length).toBeLessThanOrEqual(3);
      expect(worker.running.filter((r) => r.task.startsWith('s')).length).toBeLessThanOrEqual(2);
      const next = worker.running[0];
      if (next) await worker.complete(id, next.task);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(worker.peak.get('s')).toBe(2);
  });

  it('a restarted coordinator rebuilds holds and waiters from the store and never grants twice', async () => {
    const { backend, client, worker } = await setup();
    const c1 = startCoordinator(backend, {});
    await c1.start();
    const a = (await client.submit(yamlDef('A', [{ name: 'm', mutex: 'db' }]))).workflowId;
    await until('A running', () => worker.running.length === 1);
    const b = (await client.submit(yamlDef('B', [{ name: 'm', mutex: 'db' }]))).workflowId;
    await until('B waiting', async () => (await client.status(b)).lock_waits?.m);
    await c1.stop();
    const c2 = startCoordinator(backend, {});
    await c2.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(worker.names()).toEqual([`${a}/m`]);
    await worker.complete(a, 'm');
    await until('B pushed by the new coordinator', () => worker.names()[0] === `${b}/m`);
    expect(worker.peak.get('m')).toBe(1);
  });

  it('a standby that takes over from a stopped leader serves the waiters from the store', async () => {
    const { world, backend, client, worker } = await setup();
    const leader = startCoordinator(backend, {});
    await leader.start();
    const a = (await client.submit(yamlDef('A', [{ name: 'm', mutex: 'db' }]))).workflowId;
    await until('A running', () => worker.running.length === 1);
    const b = (await client.submit(yamlDef('B', [{ name: 'm', mutex: 'db' }]))).workflowId;
    await until('B waiting', async () => (await client.status(b)).lock_waits?.m);
    const standby = new Coordinator({
      // A process of its own: its own view of the prefix (and its own lease handle).
      backend: openMemoryBackend(world, 'Locks'),
      settings: { ...SETTINGS, leaseAcquireIntervalS: 0.1 },
      logger: silentLogger(),
      standby: true,
    });
    cleanups.push(() => standby.stop());
    const takingOver = standby.start();
    await until('the standby to stand by', () => standby.role === 'standby');
    await leader.stop();
    await takingOver;
    expect(standby.role).toBe('leader');
    expect(worker.names()).toEqual([`${a}/m`]);
    await worker.complete(a, 'm');
    await until('B pushed by the new leader', () => worker.names()[0] === `${b}/m`);
    expect(worker.peak.get('m')).toBe(1);
  });

  it('delivers a grant whose task message was never sent (crash between grant and push)', async () => {
    const { backend, client, worker } = await setup();
    const c1 = startCoordinator(backend, {});
    await c1.start();
    const a = (await client.submit(yamlDef('A', [{ name: 'm', mutex: 'db' }]))).workflowId;
    await until('A running', () => worker.running.length === 1);
    const b = (await client.submit(yamlDef('B', [{ name: 'm', mutex: 'db' }]))).workflowId;
    await until('B waiting', async () => (await client.status(b)).lock_waits?.m);
    await c1.stop();
    // What a crash right after granting leaves: A's hold gone, B holding (pushed: false), no waiter.
    await worker.complete(a, 'm');
    const [w] = await backend.locks.waiters('mutex.db');
    await backend.locks.release('mutex.db', { workflowId: a, task: 'm', attempt: 99 });
    const hold = await backend.locks.acquire('mutex.db', 1, w.owner, Date.now());
    expect(hold).toMatchObject({ pushed: false, owner: { workflowId: b } });
    await backend.locks.removeWaiter('mutex.db', w.owner);
    await startCoordinator(backend, {}).start();
    await until('B pushed from its unsent grant', () => worker.names().includes(`${b}/m`));
    await until('the hold marked pushed', async () => (await backend.locks.holds('mutex.db'))[0]?.pushed);
    expect(worker.peak.get('m')).toBe(1);
  });

  it('a grant whose message went out before the crash (pushed, state not flushed) is adopted, not sent twice', async () => {
    const { backend, client, worker } = await setup();
    const c1 = startCoordinator(backend, {});
    await c1.start();
    const a = (await client.submit(yamlDef('A', [{ name: 'm', mutex: 'db' }]))).workflowId;
    await until('A running', () => worker.running.length === 1);
    const b = (await client.submit(yamlDef('B', [{ name: 'm', mutex: 'db' }]))).workflowId;
    await until('B waiting', async () => (await client.status(b)).lock_waits?.m);
    await c1.stop();
    await worker.complete(a, 'm');
    // The crash left B's grant marked pushed (its message is out) while B's state still says waiting.
    const [w] = await backend.locks.waiters('mutex.db');
    await backend.locks.release('mutex.db', { workflowId: a, task: 'm', attempt: 99 });
    const hold = (await backend.locks.acquire('mutex.db', 1, w.owner, Date.now()))!;
    await backend.locks.markPushed(hold);
    await backend.locks.removeWaiter('mutex.db', w.owner);
    await startCoordinator(backend, {}).start();
    await until('B running in its state', async () => {
      const st = await client.status(b);
      return st.tasks?.find((t) => t.name === 'm')?.status === 'running';
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(worker.names()).not.toContain(`${b}/m`);
    expect(await backend.locks.holds('mutex.db')).toMatchObject([{ owner: { workflowId: b, attempt: 1 } }]);
  });

  it('a semaphore without a limit on the coordinator waits, and status says so', async () => {
    const { backend, client, worker } = await setup({ gpu: 1 });
    await startCoordinator(backend, {}).start();
    const id = (await client.submit(yamlDef('G', [{ name: 's', semaphore: 'gpu' }]))).workflowId;
    const note = await until('s to wait', async () => (await client.status(id)).lock_waits?.s);
    expect(note).toBe('waiting for semaphore gpu (0 of 1 held)');
    expect(worker.running).toEqual([]);
  });
});
