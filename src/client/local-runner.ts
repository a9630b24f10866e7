/**
 * Everything in one process for `run-local` (DECISIONS §1–2): storage (an in-memory Azurite on free
 * ports, or memory adapters), a coordinator, and workers on every queue the workflows use.
 */
import type { Logger } from '../log.js';
import { startAzurite, type EmbeddedAzurite } from '../azurite/embedded.js';
import { openAzureBackend } from '../adapters/azure/open.js';
import { openMemoryBackend } from '../adapters/memory/open.js';
import { createMemoryWorld } from '../adapters/memory/world.js';
import { azuriteAccount } from '../config/accounts.js';
import {
  DEFAULT_BLOBS_CONTAINER,
  DEFAULT_COORDINATOR_SETTINGS,
  EMBEDDED_DEFAULT_PREFIX,
  WORKER_DEFAULTS,
} from '../config/defaults.js';
import type { Target } from '../config/types.js';
import { Coordinator } from '../coordinator/index.js';
import { Worker, targetEnv } from '../worker/index.js';
import type { Backend } from '../ports/backend.js';
import type { WorkflowDefinition } from '../model/types.js';
import { WorkflowClient } from './workflow-client.js';

export type LocalBackendKind = 'azurite' | 'memory';

export interface LocalRunnerOptions {
  backend: LocalBackendKind;
  /** Worker instances per queue. */
  workers: number;
  /** Tasks each worker runs at once. */
  concurrency: number;
  logger: Logger;
  prefix?: string;
  /** Semaphore limits for locked tasks (jobq.yaml / env), for the embedded coordinator and submit. */
  semaphores?: Readonly<Record<string, number>>;
}

/** Queue specs used by the tasks of these definitions (resolved against each default queue). */
export function queuesOf(defs: WorkflowDefinition[]): string[] {
  const out = new Set<string>();
  for (const d of defs) for (const t of d.tasks) out.add(t.queue ?? d.default_queue);
  return [...out].sort();
}

/** A running local stack; `stop()` tears it down in reverse order. */
export class LocalRunner {
  readonly client: WorkflowClient;
  private readonly workers: Worker[] = [];
  private constructor(
    readonly backend: Backend,
    private readonly coordinator: Coordinator,
    private readonly azurite: EmbeddedAzurite | null,
    private readonly opts: LocalRunnerOptions,
    private readonly taskEnv: NodeJS.ProcessEnv,
    readonly description: string,
  ) {
    this.client = new WorkflowClient({ backend, logger: opts.logger, semaphores: opts.semaphores });
  }

  /** Start storage and the coordinator (workers start with `startWorkers`). */
  static async start(opts: LocalRunnerOptions): Promise<LocalRunner> {
    const prefix = opts.prefix ?? EMBEDDED_DEFAULT_PREFIX;
    let azurite: EmbeddedAzurite | null = null;
    let backend: Backend;
    let env: NodeJS.ProcessEnv = { ...process.env };
    let description: string;
    if (opts.backend === 'memory') {
      backend = openMemoryBackend(createMemoryWorld(), prefix);
      description = 'memory adapters (in process)';
    } else {
      azurite = await startAzurite();
      const account = azuriteAccount(azurite.env());
      const target: Target = {
        storage: account,
        prefix,
        queues: { kind: 'storage', account },
        blobs: { account, container: DEFAULT_BLOBS_CONTAINER },
      };
      backend = await openAzureBackend(target, { logger: opts.logger });
      env = { ...env, ...targetEnv(target) };
      const p = azurite.ports;
      description = `in-memory Azurite on 127.0.0.1 (blob ${p.blob}, queue ${p.queue}, table ${p.table})`;
    }
    const coordinator = new Coordinator({
      backend,
      // Local runs favour latency over idle cost: poll the completion queue quickly.
      settings: {
        ...DEFAULT_COORDINATOR_SETTINGS,
        idleSleepS: 0.05,
        maxIdleSleepS: 0.25,
        leaseDurationS: 15,
        leaseRenewIntervalS: 5,
      },
      logger: opts.logger,
      semaphores: opts.semaphores,
    });
    try {
      await coordinator.start();
    } catch (err) {
      await backend.close().catch(() => undefined);
      await azurite?.stop();
      throw err;
    }
    return new LocalRunner(backend, coordinator, azurite, opts, env, description);
  }

  /** Start `workers` workers on each queue. */
  async startWorkers(queues: string[]): Promise<void> {
    for (const queue of queues) {
      for (let i = 0; i < this.opts.workers; i++) {
        const w = new Worker({
          backend: this.backend,
          queue,
          concurrency: this.opts.concurrency,
          visibilityTimeoutS: WORKER_DEFAULTS.visibilityTimeoutS,
          idleTimeoutS: null,
          maxIdleBackoffS: 0.25,
          processor: 'shell',
          cancelPollIntervalS: 1,
          killTimeoutS: 10,
          completionSendMaxAttempts: 0,
          logger: this.opts.logger,
          env: this.taskEnv,
        });
        this.workers.push(w);
        await w.start();
      }
    }
  }

  /** Stop workers (short grace), the coordinator, the backend and Azurite. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop({ graceMs: 2_000 }).catch(() => undefined)));
    await this.coordinator.stop().catch(() => undefined);
    await this.backend.close().catch(() => undefined);
    await this.azurite?.stop();
  }
}
