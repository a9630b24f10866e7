/**
 * Shared helpers for coordinator tests: backends on the test Azurite (or memory), short-interval
 * settings, a simulated worker pool that consumes task messages and publishes completions with the real
 * wire codecs, and polls on workflow state.
 */
import type { Backend } from '../../../src/ports/backend.js';
import type { CoordinatorSettings, Target } from '../../../src/config/types.js';
import type { WorkflowState } from '../../../src/engine/states.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import { openAzureBackend } from '../../../src/adapters/azure/open.js';
import { parseDefinition } from '../../../src/model/load.js';
import type { WorkflowDefinition } from '../../../src/model/types.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { decodeTaskMessage } from '../../../src/wire/task-message.js';
import { encodeCompletionMessage } from '../../../src/wire/completion-message.js';
import { randomBytes } from 'node:crypto';
import { azuriteAccount, waitFor } from '../../support/azurite.js';
import { createLogger, silentLogger } from '../../../src/log.js';
import { Coordinator } from '../../../src/coordinator/index.js';

/**
 * Task queues are per account, not per prefix, and test files share one Azurite: each test file (its own
 * module instance) sends its tasks to its own queue so simulated workers never see another file's tasks.
 */
export const TEST_QUEUE = `tq${randomBytes(4).toString('hex')}`;

/** Settings with every interval short enough for tests (sweeps still sharded: 16 ticks per pass). */
export function testSettings(over: Partial<CoordinatorSettings> = {}): CoordinatorSettings {
  return {
    ...DEFAULT_COORDINATOR_SETTINGS,
    visibilityTimeoutS: 30,
    idleSleepS: 0.02,
    maxIdleSleepS: 0.1,
    cancelPollIntervalS: 0.05,
    readySweepIntervalS: 0.05,
    readyRepairThresholdS: 1,
    runningSweepIntervalS: 0.05,
    activationSweepIntervalS: 0.05,
    orphanSweepIntervalS: 0.05,
    statsLogIntervalS: 3600,
    leaseDurationS: 15,
    leaseRenewIntervalS: 1,
    indexRefreshIntervalS: 0,
    ...over,
  };
}

export function azureTarget(prefix: string): Target {
  const account = azuriteAccount();
  return {
    storage: account,
    prefix,
    queues: { kind: 'storage', account },
    blobs: { account, container: 'jobq-workflow-data' },
  };
}

export async function openTestBackend(prefix: string): Promise<Backend> {
  const b = await openAzureBackend(azureTarget(prefix), { logger: silentLogger() });
  await b.ensureResources();
  return b;
}

/** A definition from a compact task list: `[name, dependsOn, extra]`. */
export function def(
  name: string,
  tasks: [string, string[], Record<string, unknown>?][],
  extra: Record<string, unknown> = {},
): WorkflowDefinition {
  return parseDefinition(
    {
      name,
      default_queue: TEST_QUEUE,
      ...extra,
      tasks: tasks.map(([n, deps, more]) => ({ name: n, depends_on: deps, ...(more ?? {}) })),
    },
    'test',
  );
}

export async function submit(
  client: WorkflowClient,
  d: WorkflowDefinition,
  workflowId?: string,
): Promise<string> {
  const r = await client.submit(d, workflowId ? { workflowId } : {});
  return r.workflowId;
}

export interface TaskSeen {
  workflowId: string;
  task: string;
  attemptNo: number | null;
  upstream: Record<string, string | null> | null;
}

export type Outcome = { success: boolean; output?: unknown; error?: string } | 'drop' | 'hold';

/**
 * Simulated workers: receive task messages from `queue`, call `decide`, delete the message and publish
 * the completion ('drop': delete without completing — a lost worker; 'hold': leave the message alone).
 */
export class FakeWorkers {
  readonly seen: TaskSeen[] = [];
  private stopping = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly queue = TEST_QUEUE,
    private readonly decide: (t: TaskSeen) => Outcome = () => ({ success: true }),
  ) {}

  start(): this {
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  count(task: string, workflowId?: string): number {
    return this.seen.filter((s) => s.task === task && (!workflowId || s.workflowId === workflowId)).length;
  }

  private readonly owned = new Map<string, boolean>();

  private async owns(workflowId: string): Promise<boolean> {
    let known = this.owned.get(workflowId);
    if (known === undefined) {
      known = (await this.backend.state.loadState(workflowId)) !== null;
      this.owned.set(workflowId, known);
    }
    return known;
  }

  private async run(): Promise<void> {
    const q = this.backend.queues.get(this.queue);
    await q.ensure();
    while (!this.stopping) {
      const msgs = await q.receive(32, 30).catch(() => []);
      if (msgs.length === 0) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      await Promise.all(
        msgs.map(async (m) => {
          const t = decodeTaskMessage(m.body);
          if (t.kind !== 'workflow') return q.delete(m);
          // Task queues are per account, not per prefix: leave other test files' tasks to their own workers.
          if (!(await this.owns(t.workflowId))) return q.release(m);
          const seen = {
            workflowId: t.workflowId,
            task: t.task,
            attemptNo: t.attemptNo,
            upstream: t.upstreamRefs,
          };
          this.seen.push(seen);
          const out = this.decide(seen);
          if (out === 'hold') return;
          await q.delete(m);
          if (out === 'drop') return;
          const outputRef = out.output === undefined ? null : JSON.stringify(out.output);
          await this.backend.completions.send(
            encodeCompletionMessage({
              workflowId: t.workflowId,
              task: t.task,
              success: out.success,
              outputRef,
              error: out.error ?? null,
              attemptNo: t.attemptNo,
            }),
          );
        }),
      );
    }
  }
}

/** Poll the durable state until the workflow reaches one of `states`. */
export async function waitForState(
  client: WorkflowClient,
  workflowId: string,
  states: WorkflowState[],
  timeoutMs = 30_000,
): Promise<WorkflowState> {
  return waitFor(
    async () => {
      const s = await client.status(workflowId, { includeTasks: false }).catch(() => null);
      return s && states.includes(s.status) ? s.status : null;
    },
    { timeoutMs, what: `${workflowId} to reach ${states.join('|')}` },
  );
}

/** Durable per-task states of a workflow. */
export async function taskStates(
  client: WorkflowClient,
  workflowId: string,
): Promise<Record<string, string>> {
  const loaded = await client.loadRuntime(workflowId);
  if (!loaded) throw new Error(`no workflow ${workflowId}`);
  return Object.fromEntries(loaded.rt.taskNames().map((n) => [n, loaded.rt.taskState(n)]));
}

/** A coordinator on `backend` with test settings, started. */
export async function startCoordinator(
  backend: Backend,
  over: Partial<CoordinatorSettings> = {},
): Promise<Coordinator> {
  const logger = process.env.JOBQ_TEST_LOG
    ? createLogger({ level: process.env.JOBQ_TEST_LOG })
    : silentLogger();
  const c = new Coordinator({ backend, settings: testSettings(over), logger });
  await c.start();
  return c;
}

/**
 * A view of `obj` whose listed methods are replaced (fault injection at a port boundary); every other
 * member is the original, bound to it.
 */
export function override<T extends object>(obj: T, methods: Partial<{ [K in keyof T]: T[K] }>): T {
  return new Proxy(obj, {
    get(target, prop, receiver) {
      if (Object.hasOwn(methods, prop)) return (methods as Record<PropertyKey, unknown>)[prop];
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Messages currently on the completion queue (visible or not), via the adapter's depth estimate. */
export async function completionDepth(backend: Backend): Promise<number> {
  return backend.completions.approximateDepth();
}
