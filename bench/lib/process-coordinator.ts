/**
 * One whole-process coordinator measurement (BENCH.md `process_*` metrics): seed a fan-out workflow
 * whose leaves are RUNNING, prefill one completion per leaf, launch `jobq workflow ACCOUNT/PREFIX
 * coordinator` (bin/jobq.js, default settings) and watch it from outside, as a user would:
 *
 * * **lease held**: the lock blob's lease state, polled every {@link LEASE_POLL_MS} from launch;
 * * **sink dispatched**: the sink's task message on its queue;
 * * **all acked**: the completion queue empty (received but not yet deleted messages still count);
 * * **CPU**: the child's utime+stime (/proc) at lease held and at all acked; **RSS**: its VmHWM.
 *
 * The last two are seen by the storage server itself when `events` is given (queue-events.ts: Azurite
 * writes the moment a queue became non-empty or empty), with no request of ours during the run. Without
 * it (JOBQ_BENCH_OBSERVE=poll) they are polled: the sink queue peeked every {@link PEEK_POLL_MS}, the
 * completion queue's count read at a rate that follows it down (`untilQueueEmpty`). Polls are not free
 * on Azurite: every peek or count scans every message in the account (998 here), the figures they give
 * are late by up to a poll interval, and the peeks slow the reading they time (docs/benchmarks.md,
 * "Fifth round: observed at the server").
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import type { EmbeddedAzurite } from '../../src/azurite/embedded.js';
import { openAzureBackend } from '../../src/adapters/azure/open.js';
import { LOCK_BLOB, resourceNames } from '../../src/adapters/names.js';
import { parseDefinition } from '../../src/model/load.js';
import type { WorkflowDefinition } from '../../src/model/types.js';
import { encodeCompletionMessage } from '../../src/wire/completion-message.js';
import { prefillCompletions, storeRunningWorkflow } from '../../test/integration/coordinator/seed.js';
import { azuriteTarget } from './target.js';
import { pollUntil, startJobq } from './jobq-process.js';
import { TRACE_MESSAGE } from '../../src/coordinator/loop-trace.js';
import type { QueueEvents } from './queue-events.js';
import { cpuByThreadBetween, machineStealSeconds } from './proc.js';

export const LEASE_POLL_MS = 5;
export const PEEK_POLL_MS = Number(process.env.JOBQ_BENCH_PEEK_MS ?? 25);
export const COUNT_POLL_MS = Number(process.env.JOBQ_BENCH_COUNT_MS ?? 20);
/** The count poll's longest wait, and its wait per message still counted (≥ 1,000 deletes/s assumed). */
export const COUNT_POLL_MAX_MS = 250;
/** The shortest wait once the count falls (see `untilQueueEmpty`). */
export const COUNT_POLL_MIN_MS = 10;
export const COUNT_MS_PER_MESSAGE = 1;
/** The queue the seeded workflow's tasks (and so the sink) go to. */
const TASK_QUEUE = 'bench-process-tasks';
const WORKFLOW_ID = 'wf-process';
let seq = 0;

/** 1 root + `leaves` leaves (+ 1 sink over all of them when `sink`). */
export function processShape(leaves: number, sink: boolean): WorkflowDefinition {
  const tasks: Record<string, unknown>[] = [{ name: 'root', depends_on: [] }];
  for (let i = 0; i < leaves; i++) tasks.push({ name: `leaf${i}`, depends_on: ['root'] });
  if (sink) tasks.push({ name: 'sink', depends_on: Array.from({ length: leaves }, (_, i) => `leaf${i}`) });
  return parseDefinition({ name: `process-${leaves}`, default_queue: TASK_QUEUE, tasks }, 'bench');
}

/** Size in bytes of a leaf's completion message body, so ceilings read messages of the same size. */
export function completionBytes(leaves: number): number {
  return encodeCompletionMessage({
    workflowId: WORKFLOW_ID,
    task: `leaf${leaves - 1}`,
    success: true,
    outputRef: null,
    error: null,
    attemptNo: 1,
  }).length;
}

export interface ProcessRun {
  completions: number;
  /** Launch → lease held, ms (start-up; not part of any rate). */
  launchToLeaseMs: number;
  /** Lease held → sink message visible, s (null without a sink). */
  dispatchSeconds: number | null;
  /** Lease held → completion queue empty, s. */
  ackedSeconds: number;
  /** utime+stime lease held → queue empty, s. */
  cpuSeconds: number;
  /** The same window by thread group (main, v8, libuv, …; living threads only), or null. */
  cpuSecondsByThread: Record<string, number> | null;
  /** The machine's steal time over the same window, all vCPUs, s (see proc.ts), or null. */
  stealSeconds: number | null;
  peakRssBytes: number;
  /** The coordinator's exit code after SIGTERM (0 expected). */
  exitCode: number | string;
  /** The coordinator's hot-path timeline (`trace` runs only): one line per event, ms since its lease. */
  trace: string[];
}

/** `JOBQ_BENCH_TRACE=1`: run the coordinator at debug level and keep its trace lines (see loop-trace.ts). */
export const TRACE_RUNS = process.env.JOBQ_BENCH_TRACE === '1';

/** pino's own fields and the trace's, left out of the printed fields. */
const TRACE_ENVELOPE = new Set(['trace', 't', 'level', 'time', 'pid', 'hostname', 'msg', 'coordinatorId']);

/** One trace line of the child as `t  event  fields`, or null for any other line. */
function traceLine(line: string): string | null {
  if (!line.includes(TRACE_MESSAGE)) return null;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const { trace, t } = o;
    const fields = Object.fromEntries(Object.entries(o).filter(([k]) => !TRACE_ENVELOPE.has(k)));
    return `${String(t).padStart(8)}  ${String(trace)}  ${JSON.stringify(fields)}`;
  } catch {
    return null;
  }
}

/**
 * Polls a queue's message count until it is 0 and returns when it was (epoch ms).
 *
 * While the count does not fall (the coordinator is still reading: received messages stay counted
 * until deleted) the next poll waits {@link COUNT_MS_PER_MESSAGE} per message counted, between
 * {@link COUNT_POLL_MS} and {@link COUNT_POLL_MAX_MS}. Once it falls, the poll follows the rate it
 * falls at: it waits half the time the rest would take at the rate seen since the previous poll, at
 * least {@link COUNT_POLL_MIN_MS}. Deletes on Azurite get cheaper as the account empties (each scans
 * the account's messages), so a wait of a fixed time per message overshot the end by up to 130 ms of
 * a 1.5 s drain; halving the estimate converges on the end in ≈ log2(drain / 10 ms) polls, most of
 * them cheap because few messages are left to scan.
 */
export async function untilQueueEmpty(
  count: () => Promise<{ approximateMessagesCount?: number }>,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let previous: { at: number; n: number } | null = null;
  for (;;) {
    const sentAt = Date.now();
    const n = (await count()).approximateMessagesCount ?? 0;
    if (n === 0) return sentAt;
    if (Date.now() > deadline)
      throw new Error(`the completion queue still holds ${n} messages after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, nextCountWait(previous, { at: sentAt, n })));
    previous = { at: sentAt, n };
  }
}

/** The wait before the next count poll (see {@link untilQueueEmpty}). */
export function nextCountWait(
  previous: { at: number; n: number } | null,
  now: { at: number; n: number },
): number {
  if (previous !== null && previous.n > now.n && now.at > previous.at) {
    const perMs = (previous.n - now.n) / (now.at - previous.at);
    return Math.min(COUNT_POLL_MAX_MS, Math.max(COUNT_POLL_MIN_MS, now.n / perMs / 2));
  }
  return Math.min(COUNT_POLL_MAX_MS, Math.max(COUNT_POLL_MS, now.n * COUNT_MS_PER_MESSAGE));
}

/** Runs one seeded drain through a `jobq workflow … coordinator` child; cleans up its queues after. */
export async function processCoordinatorRun(
  az: EmbeddedAzurite,
  opts: { leaves: number; sink: boolean; timeoutMs: number; trace?: boolean; events?: QueueEvents },
): Promise<ProcessRun> {
  const prefix = `Proc${process.pid}x${seq++}`;
  const names = resourceNames(prefix);
  const backend = await openAzureBackend(azuriteTarget(az.ports, prefix));
  const queues = QueueServiceClient.fromConnectionString(az.connectionString);
  const taskQueue = queues.getQueueClient(TASK_QUEUE);
  const completionQueue = queues.getQueueClient(names.completionQueue);
  const lock = BlobServiceClient.fromConnectionString(az.connectionString)
    .getContainerClient(names.stateContainer)
    .getBlockBlobClient(LOCK_BLOB);
  try {
    await backend.ensureResources();
    await taskQueue.createIfNotExists();
    await taskQueue.clearMessages();
    const running = await storeRunningWorkflow(backend, processShape(opts.leaves, opts.sink), WORKFLOW_ID);
    await prefillCompletions(backend, WORKFLOW_ID, running, 64);
    const launchedAt = Date.now();
    const child = startJobq(['workflow', `devstoreaccount1/${prefix}`, 'coordinator'], {
      ports: az.ports,
      env: opts.trace ? { JOBQ_LOG_LEVEL: 'debug' } : {},
    });
    const trace: string[] = [];
    if (opts.trace)
      child.onLine((line) => {
        const t = traceLine(line);
        if (t !== null) trace.push(t);
      });
    try {
      const failed = child.exited.then((code) => {
        throw new Error(`coordinator exited (${code}) during the run:\n${child.tail()}`);
      });
      failed.catch(() => undefined);
      const watch = <T>(p: Promise<T>) => Promise.race([p, failed]);
      const leaseAt = await watch(
        pollUntil(
          'the coordinator lease',
          async () => {
            const sentAt = Date.now();
            const props = await lock.getProperties().catch(() => null);
            return props?.leaseState === 'leased' ? sentAt : undefined;
          },
          { timeoutMs: 60_000, intervalMs: LEASE_POLL_MS },
        ),
      );
      const cpuAtLease = child.cpuSeconds() ?? 0;
      const threadsAtLease = child.cpuSecondsByThread();
      const stealAtLease = machineStealSeconds();
      const events = opts.events;
      let sinkAt: number | null = null;
      if (opts.sink) {
        sinkAt = await watch(
          events
            ? events.next('nonempty', TASK_QUEUE, launchedAt, opts.timeoutMs)
            : pollUntil(
                "the sink's task message",
                async () => {
                  const res = await taskQueue.peekMessages({ numberOfMessages: 1 });
                  return res.peekedMessageItems.length > 0 ? Date.now() : undefined;
                },
                { timeoutMs: opts.timeoutMs, intervalMs: PEEK_POLL_MS },
              ),
        );
      }
      const emptyAt = await watch(
        events
          ? events.next('empty', names.completionQueue, leaseAt, opts.timeoutMs)
          : untilQueueEmpty(() => completionQueue.getProperties(), opts.timeoutMs),
      );
      const cpuAtEmpty = child.cpuSeconds() ?? cpuAtLease;
      const threadsAtEmpty = child.cpuSecondsByThread();
      const stealAtEmpty = machineStealSeconds();
      const peakRssBytes = child.peakRssBytes() ?? 0;
      await child.stop();
      return {
        completions: running.length,
        launchToLeaseMs: leaseAt - launchedAt,
        dispatchSeconds: sinkAt === null ? null : (sinkAt - leaseAt) / 1000,
        ackedSeconds: (emptyAt - leaseAt) / 1000,
        cpuSeconds: cpuAtEmpty - cpuAtLease,
        cpuSecondsByThread: cpuByThreadBetween(threadsAtLease, threadsAtEmpty),
        stealSeconds: stealAtLease === null || stealAtEmpty === null ? null : stealAtEmpty - stealAtLease,
        peakRssBytes,
        exitCode: await child.exited,
        trace,
      };
    } finally {
      await child.stop(5_000);
    }
  } finally {
    await taskQueue.clearMessages().catch(() => undefined);
    await completionQueue.deleteIfExists().catch(() => undefined);
    await backend.close();
  }
}
