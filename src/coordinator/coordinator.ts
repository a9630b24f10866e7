/**
 * The coordinator (reference §5, DECISIONS §4): one per prefix, holds the lease, drains the completion
 * queue, advances workflows, runs the sharded sweeps. `run-local` embeds it; the CLI runs it as a daemon.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Backend } from '../ports/backend.js';
import type { CoordinatorSettings } from '../config/types.js';
import type { Runtime } from '../engine/api.js';
import { emptyStats, finalStatsLine, StatsLine, type CoordinatorStats } from './stats.js';
import { WorkflowTable } from './workflow-table.js';
import { MainLoop } from './main-loop.js';
import { Admission } from './admission.js';
import { LeaseKeeper } from './lease-keeper.js';
import { SweepRunner } from './sweeper.js';
import {
  activationSweep,
  cancelPoll,
  orphanSweep,
  readyRepair,
  runningTimeout,
  type SweepDeps,
} from './sweeps.js';
import { CoordinatorMetrics } from './metrics.js';
import { Waker } from './concurrency.js';

export interface CoordinatorOptions {
  backend: Backend;
  settings: CoordinatorSettings;
  logger: Logger;
  coordinatorId?: string;
  /** Break any existing lease before acquiring (`--break-lease`). */
  breakLease?: boolean;
  /** Address the metrics server binds (default 127.0.0.1; `0.0.0.0` exposes it on every interface). */
  metricsHost?: string;
}

export class Coordinator {
  /** Resolves when the coordinator has stopped; rejects if it had to give up leadership. */
  readonly done: Promise<void>;
  readonly coordinatorId: string;
  private resolveDone!: () => void;
  private rejectDone!: (err: Error) => void;
  private readonly counters: CoordinatorStats = emptyStats();
  private readonly logger: Logger;
  private readonly table: WorkflowTable;
  private readonly admission: Admission;
  private readonly lease: LeaseKeeper;
  private readonly loop: MainLoop;
  private readonly sweeps: SweepRunner;
  private readonly metrics: CoordinatorMetrics;
  private readonly statsWaker = new Waker();
  private metricsServer: { port: number; host: string; close(): Promise<void> } | null = null;
  private running: Promise<void>[] = [];
  private stopped: Promise<void> | null = null;
  private started = false;

  constructor(private readonly opts: CoordinatorOptions) {
    const { backend, settings } = opts;
    this.coordinatorId = opts.coordinatorId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.logger = opts.logger.child({ coordinatorId: this.coordinatorId });
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // Callers that only stop() must not see an unhandled rejection.
    this.done.catch(() => undefined);
    const now = () => Date.now();
    this.lease = new LeaseKeeper(
      backend.lease,
      {
        coordinatorId: this.coordinatorId,
        host: hostname(),
        pid: process.pid,
        startedAt: new Date().toISOString(),
      },
      this.counters,
      this.logger,
      {
        durationS: settings.leaseDurationS,
        renewIntervalS: settings.leaseRenewIntervalS,
        onRegained: () => this.table.dropAll('lease was lost and regained'),
        onFatal: (err) => void this.fail(err),
      },
    );
    const leaseHeld = () => this.lease.held();
    this.admission = new Admission(settings.maxRunningWorkflows, this.counters, this.logger, (id) =>
      this.activate(id),
    );
    this.table = new WorkflowTable({
      backend,
      settings,
      logger: this.logger,
      stats: this.counters,
      leaseHeld,
      now,
      observeFlush: (s) => this.metrics.flushSeconds.observe(s),
      hooks: {
        admit: (id, at) => this.admission.admit(id, at),
        observed: (id, rt) => this.admission.observed(id, rt),
      },
    });
    this.metrics = new CoordinatorMetrics({
      stats: () => this.stats(),
      lastProgressAt: () => this.loop.lastProgressAt,
      leaseHeld,
    });
    this.loop = new MainLoop({
      completions: backend.completions,
      outputs: backend.outputs,
      table: this.table,
      settings,
      stats: this.counters,
      logger: this.logger,
      leaseHeld,
      observeBatch: (s) => this.metrics.batchSeconds.observe(s),
    });
    const sweepDeps: SweepDeps = {
      index: backend.index,
      state: backend.state,
      table: this.table,
      admission: this.admission,
      settings,
      stats: this.counters,
      logger: this.logger,
      now,
    };
    this.sweeps = new SweepRunner(
      [
        cancelPoll(sweepDeps),
        readyRepair(sweepDeps),
        runningTimeout(sweepDeps),
        activationSweep(sweepDeps),
        orphanSweep(sweepDeps),
      ],
      this.logger,
      leaseHeld,
    );
  }

  /**
   * Acquire the lease (LeaseHeldError naming the prefix if another coordinator holds it), seed the
   * admission count from the index, start the loops and return.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('coordinator already started');
    this.started = true;
    const { backend, settings } = this.opts;
    await backend.ensureResources();
    await this.lease.acquire(this.opts.breakLease ?? false);
    try {
      const rows = await backend.index.list({ states: ['running', 'cancelling'] });
      this.admission.seedRunning(rows.map((r) => r.workflowId));
      if (settings.metricsPort !== null) {
        const staleMs = Math.max(30_000, settings.visibilityTimeoutS * 1000);
        this.metricsServer = await this.metrics.listen(settings.metricsPort, staleMs, this.opts.metricsHost);
        const { host, port } = this.metricsServer;
        this.logger.info({ host, port }, `metrics on http://${host}:${port}/metrics`);
      }
    } catch (err) {
      await this.lease.stop();
      throw err;
    }
    this.lease.start();
    this.sweeps.start();
    this.running = [this.loop.run(), this.statsLoop()];
    this.logger.info({ target: backend.target }, 'coordinator started');
  }

  /** Port of the metrics server, when one is listening. */
  get metricsPort(): number | null {
    return this.metricsServer?.port ?? null;
  }

  /** Address the metrics server is bound to, when one is listening. */
  get metricsHost(): string | null {
    return this.metricsServer?.host ?? null;
  }

  /** Finish the current cycle, flush and ack what is in hand, release the lease, log the final line. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown(null);
    return this.stopped;
  }

  /** A copy of every counter. */
  stats(): CoordinatorStats {
    this.counters.cached_workflows = this.table.size;
    this.counters.cached_tasks = this.table.taskCount;
    this.counters.lease_state = this.lease.leaseState;
    return { ...this.counters };
  }

  private async fail(err: Error): Promise<void> {
    this.stopped ??= this.shutdown(err);
    await this.stopped;
  }

  private async shutdown(err: Error | null): Promise<void> {
    this.loop.stop();
    this.statsWaker.wake();
    await Promise.all(this.running);
    await this.sweeps.stop();
    if (!err) await this.table.drain();
    await this.lease.stop();
    await this.metricsServer?.close();
    const line = finalStatsLine(this.stats());
    if (err) {
      this.logger.error({ err }, line);
      this.rejectDone(err);
    } else {
      this.logger.info({ ...this.stats() }, line);
      this.resolveDone();
    }
  }

  private async activate(workflowId: string): Promise<Runtime | null> {
    let seen: Runtime | null = null;
    const r = await this.table.mutate(workflowId, (rt, now) => {
      seen = rt;
      return rt.activated || rt.isTerminal() ? null : rt.activate(now);
    });
    if (r) {
      this.logger.info({ workflowId }, 'workflow admitted');
    }
    return seen;
  }

  private async statsLoop(): Promise<void> {
    const line = new StatsLine(Date.now());
    let stopping = false;
    void this.done.finally(() => (stopping = true)).catch(() => undefined);
    while (!stopping && this.stopped === null) {
      await this.statsWaker.sleep(this.opts.settings.statsLogIntervalS * 1000);
      if (this.stopped !== null) break;
      const { msg, fields } = line.next(this.stats(), Date.now());
      this.logger.info(fields, msg);
    }
  }
}
