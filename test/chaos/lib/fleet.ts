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
  /** Coordinator processes on the prefix (2 for the --standby run; default 1). */
  coordinators?: number;
  /** Extra environment of the coordinators (the flush journal). */
  coordinatorEnv?: Record<string, string>;
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

/**
 * Coordinator flags of the two-coordinator run: both stand by, no --break-lease (a kill -9'd leader's
 * lease must expire), the shortest lease Azure allows, and the same fast recovery windows.
 */
export const STANDBY_COORDINATOR_ARGS = [
  '--standby',
  '--lease-duration-s',
  '15',
  '--lease-renew-interval-s',
  '3',
  ...CHAOS_COORDINATOR_ARGS.filter((a) => a !== '--break-lease'),
];

export const CHAOS_WORKER_ARGS = ['--visibility-timeout', '10', '--max-idle-backoff', '1'];

export class Fleet {
  readonly coordinators: JobqProcess[];
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
    const coordinatorEnv = { ...this.env, ...opts.coordinatorEnv };
    const n = opts.coordinators ?? 1;
    this.coordinators = Array.from(
      { length: n },
      (_, i) =>
        new JobqProcess(
          n === 1 ? 'coordinator' : `coordinator-${i}`,
          ['workflow', 'coordinator', ...opts.coordinatorArgs],
          coordinatorEnv,
        ),
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

  /** The first coordinator (the only one of a one-coordinator fleet). */
  get coordinator(): JobqProcess {
    return this.coordinators[0];
  }

  start(): void {
    for (const c of this.coordinators) c.start();
    for (const w of this.workers) w.start();
  }

  /** Restarts any process that exited on its own (a crash is reported, then healed). */
  reviveExited(): string[] {
    const revived: string[] = [];
    for (const p of [...this.coordinators, ...this.workers]) {
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
    for (const p of [...this.coordinators, ...this.workers]) {
      out[`${tag} ${p.role}`] = p.tail
        .split('\n')
        .filter(Boolean)
        .slice(-10)
        .map((l) => l.slice(0, 400));
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.coordinators, ...this.workers].map((p) => p.stop()));
  }

  async kill(): Promise<void> {
    await Promise.all([...this.coordinators, ...this.workers].map((p) => p.kill9()));
  }
}
