/** A coordinator and N workers as real jobq child processes against one prefix. */
import { JobqProcess } from './jobq-process.js';

export interface FleetOptions {
  prefix: string;
  /** Task queue the workers serve. */
  queue: string;
  /** BLOB_PORT/QUEUE_PORT/TABLE_PORT of the Azurite to use. */
  azuriteEnv: Record<string, string>;
  workers: number;
  workerConcurrency: number;
  coordinatorArgs: string[];
  workerArgs: string[];
}

/** Coordinator flags for fast recovery under chaos: short visibility and ready-repair windows. */
export const CHAOS_COORDINATOR_ARGS = [
  '--break-lease',
  '--visibility-timeout-s',
  '5',
  '--ready-sweep-interval-s',
  '2',
  '--ready-repair-threshold-s',
  '8',
  '--cancel-poll-interval-s',
  '1',
];

export const CHAOS_WORKER_ARGS = ['--visibility-timeout', '10', '--max-idle-backoff', '1'];

export class Fleet {
  readonly coordinator: JobqProcess;
  readonly workers: JobqProcess[];
  readonly env: NodeJS.ProcessEnv;

  constructor(opts: FleetOptions) {
    this.env = {
      ...process.env,
      ...opts.azuriteEnv,
      JOBQ_WORKFLOW_PREFIX: `devstoreaccount1/${opts.prefix}`,
      JOBQ_CANCEL_POLL_INTERVAL: '1',
      JOBQ_MAX_IDLE_BACKOFF: '1',
      JOBQ_KILL_TIMEOUT: '5',
      NO_COLOR: '1',
    };
    delete this.env.JOBQ_WORKFLOW_CONFIG;
    this.coordinator = new JobqProcess(
      'coordinator',
      ['workflow', 'coordinator', ...opts.coordinatorArgs],
      this.env,
    );
    this.workers = Array.from(
      { length: opts.workers },
      (_, i) =>
        new JobqProcess(
          `worker-${i}`,
          ['worker', opts.queue, '--concurrency', String(opts.workerConcurrency), ...opts.workerArgs],
          this.env,
        ),
    );
  }

  start(): void {
    this.coordinator.start();
    for (const w of this.workers) w.start();
  }

  /** Restarts any process that exited on its own (a crash is reported, then healed). */
  reviveExited(): string[] {
    const revived: string[] = [];
    for (const p of [this.coordinator, ...this.workers]) {
      if (!p.running) {
        revived.push(`${p.role} exited: ${p.tail.split('\n').filter(Boolean).slice(-8).join(' | ')}`);
        p.start();
      }
    }
    return revived;
  }

  /** The last log lines of every process, keyed `<tag> <role>`. */
  tails(tag: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const p of [this.coordinator, ...this.workers]) {
      out[`${tag} ${p.role}`] = p.tail
        .split('\n')
        .filter(Boolean)
        .slice(-10)
        .map((l) => l.slice(0, 400));
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all([this.coordinator, ...this.workers].map((p) => p.stop()));
  }

  async kill(): Promise<void> {
    await Promise.all([this.coordinator, ...this.workers].map((p) => p.kill9()));
  }
}
