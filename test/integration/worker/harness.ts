/** Shared setup for the worker integration tests: an Azurite backend per prefix, task sends, completion reads. */
import { openAzureBackend } from '../../../src/adapters/azure/open.js';
import type { Backend } from '../../../src/ports/backend.js';
import type { Target } from '../../../src/config/types.js';
import { encodeTaskMessage } from '../../../src/wire/task-message.js';
import { Worker, targetEnv, type WorkerOptions } from '../../../src/worker/index.js';
import { silentLogger } from '../../../src/log.js';
import { azuriteAccount, uniquePrefix, waitFor } from '../../support/azurite.js';

export interface TestStorage {
  backend: Backend;
  target: Target;
  /** Env for task processes and child workers: points `jobq task` at this prefix. */
  env: NodeJS.ProcessEnv;
}

export async function openTestStorage(tag: string): Promise<TestStorage> {
  const account = azuriteAccount();
  const target: Target = {
    storage: account,
    prefix: uniquePrefix(tag),
    queues: { kind: 'storage', account },
    blobs: { account, container: 'jobq-workflow-data' },
  };
  const backend = await openAzureBackend(target);
  await backend.ensureResources();
  return { backend, target, env: { ...process.env, ...targetEnv(target) } };
}

/** A worker with fast test settings; override anything. */
export function testWorker(s: TestStorage, queue: string, overrides: Partial<WorkerOptions> = {}): Worker {
  return new Worker({
    backend: s.backend,
    queue,
    concurrency: 2,
    visibilityTimeoutS: 30,
    idleTimeoutS: null,
    maxIdleBackoffS: 0.2,
    processor: 'shell',
    cancelPollIntervalS: 1,
    killTimeoutS: 5,
    completionSendMaxAttempts: 0,
    logger: silentLogger(),
    target: s.target, // tasks get JOBQ_WORKFLOW_PREFIX etc. for this prefix from the worker
    completionRetryInitialMs: 200,
    completionRetryMaxMs: 1000,
    ...overrides,
  });
}

export interface SendTask {
  workflowId: string;
  task: string;
  attemptNo?: number;
  kwargs: Record<string, unknown>;
  upstreamRefs?: [string, string | null][] | null;
}

/** Send a task message exactly as the coordinator encodes it. */
export async function sendTask(s: TestStorage, queue: string, t: SendTask): Promise<void> {
  const q = s.backend.queues.get(queue);
  await q.ensure();
  const { id, body } = encodeTaskMessage({
    workflowId: t.workflowId,
    task: t.task,
    attemptNo: t.attemptNo ?? 1,
    kwargsJson: JSON.stringify(t.kwargs),
    upstreamRefs: t.upstreamRefs ?? null,
  });
  await q.send(body, { messageId: id });
}

export interface CompletionBody {
  workflow_id: string;
  task_name: string;
  success: boolean;
  output_ref: string | null;
  error: string | null;
  attempt_no?: number;
}

/** Decode a completion message in the reference format (§4.10) by hand, independent of the codec. */
export function parseCompletion(body: string): CompletionBody {
  const envelope = JSON.parse(body) as { kwargs: string; num_retries: number; version: number };
  const kwargs = JSON.parse(envelope.kwargs) as { __completion_body: string };
  return JSON.parse(kwargs.__completion_body) as CompletionBody;
}

/** Receive and delete `n` completions (raw bodies), waiting up to `timeoutMs`. */
export async function takeCompletions(s: TestStorage, n: number, timeoutMs = 20_000): Promise<string[]> {
  const got: string[] = [];
  await waitFor(
    async () => {
      for (const m of await s.backend.completions.receive(32, 30)) {
        got.push(m.body);
        await s.backend.completions.delete(m);
      }
      return got.length >= n;
    },
    { timeoutMs, intervalMs: 100, what: `${n} completion(s), got ${got.length}` },
  );
  return got;
}

/** Approximate number of messages (visible or not) on a queue. */
export function depth(s: TestStorage, queue: string): Promise<number> {
  return s.backend.queues.get(queue).approximateDepth();
}
