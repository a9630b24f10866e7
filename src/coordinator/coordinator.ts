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
import type { CoordinatorMetrics } from './metrics.js';
import { Waker } from './concurrency.js';
import { FlushJournal } from './flush-journal.js';
import { TaskMemo } from './task-cache.js';
import { DispatchGate } from './dispatch-gate.js';
import { LockKeeper } from './locks.js';
import { LoopTrace } from './loop-trace.js';
import {
  DEFAULT_METRICS_HOST,
  probeRoutes,
  serveRoutes,
  type BoundServer,
  type RouteHandler,
} from './probe-server.js';

/** Longest wait after the lease before the admission seed is read (see `startUp`). */
const SEED_DEFER_MAX_MS = 10_000;

/** Where a coordinator is in its life: the probes and `/metrics` report it. */
export type CoordinatorRole = 'starting' | 'standby' | 'leader' | 'fenced' | 'stopping' | 'stopped';

/** Points where tests hold the coordinator to reach a precise moment (signals at any moment). */
export interface CoordinatorHooks {
  /** Start-up waits here just after the lease is taken; `interrupted` settles when stop() is called. */
  afterLeaseAcquired?(interrupted: Promise<void>): Promise<void>;
  /** Shutdown waits here just before the lease is released. */
  beforeLeaseRelease?(): Promise<void>;
}

export interface CoordinatorOptions {
  backend: Backend;
  settings: CoordinatorSettings;
  logger: Logger;
  coordinatorId?: string;
  /** Break any existing lease before acquiring (`--break-lease`). */
  breakLease?: boolean;
  /** Address the metrics and probe servers bind (default 127.0.0.1; `0.0.0.0` exposes them). */
  metricsHost?: string;
  /**
   * Hot standby (`--standby`): while another coordinator holds the lease, wait for it (trying every
   * `leaseAcquireIntervalS`) instead of failing with LeaseHeldError, and take over once it is free.
   */
  standby?: boolean;
  hooks?: CoordinatorHooks;
  /** Append lease events and every flush, with the lease id it was made under, to this file. */
  flushJournal?: string;
  /** Semaphore limits (`coordinator.semaphores`, `--semaphore NAME=N`); a mutex always has limit 1. */
  semaphores?: Readonly<Record<string, number>>;
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
  private metrics: CoordinatorMetrics | null = null;
  private readonly memo: TaskMemo;
  private readonly locks: LockKeeper;
  private readonly statsWaker = new Waker();
  private readonly journal: FlushJournal | null;
  private readonly trace: LoopTrace;
  /** Starts reading the admission seed from the index (set while it waits; see `startUp`). */
  private readSeed: (() => void) | null = null;
  private servers: BoundServer[] = [];
  private metricsServer: BoundServer | null = null;
  private healthServer: BoundServer | null = null;
  private running: Promise<void>[] = [];
  private stopped: Promise<void> | null = null;
  private started = false;
  private starting: Promise<void> | null = null;
  private loopsStarted = false;
  private stopRequested = false;
  private stage: CoordinatorRole = 'starting';
  private resolveInterrupted!: () => void;
  /** Settles when stop() is first called: start-up waits race it. */
  private readonly interrupted = new Promise<void>((r) => (this.resolveInterrupted = r));

  constructor(private readonly opts: CoordinatorOptions) {
    const { backend, settings } = opts;
    this.coordinatorId = opts.coordinatorId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.logger = opts.logger.child({ coordinatorId: this.coordinatorId });
    this.trace = new LoopTrace(this.logger);
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
        onRegained: () => {
          this.table.dropAll('lease was lost and regained');
          this.locks.reset();
        },
        onFatal: (err) => void this.fail(err),
        onRenewed: () => this.journal?.lease('renewed'),
      },
    );
    const leaseHeld = () => this.lease.held();
    this.admission = new Admission(settings.maxRunningWorkflows, this.counters, this.logger, (id) =>
      this.activate(id),
    );
    this.memo = new TaskMemo(backend.cache, backend.outputs, this.counters, this.logger, now);
    this.locks = new LockKeeper({
      store: backend.locks,
      semaphores: opts.semaphores ?? {},
      table: () => this.table,
      stats: this.counters,
      logger: this.logger,
      now,
      leaseHeld,
    });
    this.table = new WorkflowTable({
      backend,
      settings,
      logger: this.logger,
      stats: this.counters,
      leaseHeld,
      now,
      gate: new DispatchGate(this.memo, this.locks, backend.outputs, this.counters, now),
      trace: this.trace,
      observeFlush: (f) => {
        this.metrics?.flushSeconds.observe(f.seconds);
        this.journal?.flush(f);
      },
      hooks: {
        admit: (id, at) => this.admission.admit(id, at),
        observed: (id, rt) => this.admission.observed(id, rt),
      },
    });
    this.journal = opts.flushJournal ? new FlushJournal(opts.flushJournal, backend.lease.leaseId) : null;
    this.loop = new MainLoop({
      completions: backend.completions,
      outputs: backend.outputs,
      table: this.table,
      settings,
      stats: this.counters,
      logger: this.logger,
      leaseHeld,
      observeBatch: (s) => this.metrics?.batchSeconds.observe(s),
      trace: this.trace,
      backlogRead: () => this.readSeed?.(),
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
   * Acquire the lease, seed the admission count from the index, start the loops and return. Without
   * `standby`, a lease held elsewhere fails with LeaseHeldError naming the prefix; with it, start()
   * waits for the lease (serving the probes meanwhile). A stop() at any moment of start-up makes start()
   * return early, with the lease released or never taken, and `done` resolves.
   */
  start(): Promise<void> {
    if (this.started) throw new Error('coordinator already started');
    this.started = true;
    this.starting = this.startUp();
    return this.starting;
  }

  private async startUp(): Promise<void> {
    const { backend } = this.opts;
    try {
      if (this.stopRequested) return;
      await backend.ensureResources();
      if (this.stopRequested) return;
      await this.openServers();
      if (this.stopRequested || !(await this.takeLease())) return;
      this.trace.resetOrigin();
      await this.opts.hooks?.afterLeaseAcquired?.(this.interrupted);
      if (this.stopRequested) return;
    } catch (err) {
      await this.abortStart();
      throw err;
    }
    // The loop starts at once: applying completions of running workflows needs no admission count,
    // and every admission decision waits for the seed. The seed is read from the index once the first
    // admission decision needs it, the loop has read the backlog it found, or SEED_DEFER_MAX_MS have
    // passed, whichever comes first: its 16 shard queries beside the first receives would delay them
    // (on Azurite they are served one after another) and with them the first dispatches.
    const seed = new Promise<void>((resolve) => (this.readSeed = resolve)).then(() => {
      this.readSeed = null;
      clearTimeout(seedTimer);
      this.trace.mark('index list start');
      return backend.index.list({ states: ['running', 'cancelling'] });
    });
    const seedTimer = setTimeout(() => this.readSeed?.(), SEED_DEFER_MAX_MS);
    this.admission.expectSeed(() => this.readSeed?.());
    this.lease.start();
    this.sweeps.start();
    this.loopsStarted = true;
    this.running = [this.loop.run(), this.statsLoop(), this.locks.start()];
    this.trace.mark('loops started');
    this.stage = 'leader';
    try {
      const rows = await seed;
      this.trace.mark('index list done', { rows: rows.length });
      this.admission.seedRunning(rows.map((r) => r.workflowId));
    } catch (err) {
      // As before the loop started early: a coordinator that cannot read its index does not start.
      this.logger.error({ err }, 'coordinator: reading the running workflows from the index failed');
      await this.stopLoops();
      await this.abortStart();
      throw err;
    }
    this.logger.info({ target: backend.target }, 'coordinator started');
  }

  /** Start-up failed: release the lease (if taken) and close the servers. */
  private async abortStart(): Promise<void> {
    await this.lease.stop();
    await this.closeServers();
    this.stage = 'stopped';
  }

  /** Start-up failed after the loops started: stop them, the lock keeper and the sweeps (no drain). */
  private async stopLoops(): Promise<void> {
    this.loopsStarted = false;
    this.loop.stop();
    this.statsWaker.wake();
    const locksStopped = this.locks.stop();
    await Promise.all([...this.running, locksStopped, this.sweeps.stop()]);
  }

  /** Take the lease now, or (standby) once it is free; false when stopped while waiting. */
  private async takeLease(): Promise<boolean> {
    const breakFirst = this.opts.breakLease ?? false;
    if (!this.opts.standby) {
      await this.lease.acquire(breakFirst);
    } else {
      const waitStarted = Date.now();
      let waited = false;
      const got = await this.lease.acquireWhenFree({
        breakFirst,
        intervalMs: this.opts.settings.leaseAcquireIntervalS * 1000,
        onWaiting: () => {
          waited = true;
          this.stage = 'standby';
          void this.logStandby();
        },
      });
      if (!got) return false;
      if (waited) {
        this.logger.info({ waitedMs: Date.now() - waitStarted }, 'standby: lease acquired; taking over');
      }
    }
    this.journal?.lease('acquired');
    this.stage = 'starting';
    return true;
  }

  private async logStandby(): Promise<void> {
    const holder = (await this.opts.backend.lease.status().catch(() => null))?.holder ?? null;
    const who =
      holder?.coordinatorId ?? (holder?.host ? `${holder.host} pid ${holder.pid}` : 'another coordinator');
    this.logger.info(
      { holder },
      `standby: the lease of prefix '${this.opts.backend.target}' is held by ${who}; waiting to take over ` +
        `(watching it every ${this.opts.settings.leaseAcquireIntervalS}s)`,
    );
  }

  /** `--metrics-port` (prom-client, loaded only then) and `--health-port` (probes only); one if equal. */
  private async openServers(): Promise<void> {
    const { metricsPort, healthPort } = this.opts.settings;
    const host = this.opts.metricsHost ?? DEFAULT_METRICS_HOST;
    const probes = probeRoutes({
      role: () => this.role,
      alive: () => this.alive(),
      ready: () => this.ready(),
    });
    if (metricsPort !== null) {
      const { CoordinatorMetrics } = await import('./metrics.js');
      this.metrics = new CoordinatorMetrics({
        stats: () => this.stats(),
        leaseHeld: () => this.lease.held(),
        standingBy: () => this.stage === 'standby',
      });
      const routes: Record<string, RouteHandler> = { ...probes, '/metrics': this.metrics.route() };
      this.metricsServer = await serveRoutes(metricsPort, host, routes);
      this.servers.push(this.metricsServer);
      this.logger.info(
        { host: this.metricsServer.host, port: this.metricsServer.port },
        `metrics on http://${this.metricsServer.host}:${this.metricsServer.port}/metrics`,
      );
    }
    if (healthPort !== null && !(metricsPort !== null && healthPort === metricsPort && healthPort !== 0)) {
      this.healthServer = await serveRoutes(healthPort, host, probes);
      this.servers.push(this.healthServer);
      this.logger.info(
        { host: this.healthServer.host, port: this.healthServer.port },
        `probes on http://${this.healthServer.host}:${this.healthServer.port}/healthz and /readyz`,
      );
    }
  }

  private async closeServers(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    await Promise.all(servers.map((s) => s.close()));
  }

  /** Where this coordinator is: starting, standby, leader, fenced (lease lost), stopping, stopped. */
  get role(): CoordinatorRole {
    if (this.stage === 'leader' && !this.lease.held()) return 'fenced';
    return this.stage;
  }

  /** How long a loop may go without turning before `/healthz` says the process is stuck. */
  private staleMs(): number {
    return Math.max(30_000, this.opts.settings.visibilityTimeoutS * 1000);
  }

  /** `/healthz`: the loop that matters in this role turned recently. */
  private alive(): boolean {
    const now = Date.now();
    switch (this.stage) {
      case 'leader':
        return now - this.loop.lastProgressAt < this.staleMs();
      case 'standby':
        return (
          now - this.lease.lastAttemptAt <
          Math.max(this.staleMs(), 3 * this.opts.settings.leaseAcquireIntervalS * 1000)
        );
      case 'stopped':
        return false;
      default:
        return true;
    }
  }

  /** `/readyz`: leading (lease held) and the main loop turning. */
  private ready(): boolean {
    return (
      this.stage === 'leader' && this.lease.held() && Date.now() - this.loop.lastProgressAt < this.staleMs()
    );
  }

  /** Port of the metrics server, when one is listening. */
  get metricsPort(): number | null {
    return this.metricsServer?.port ?? null;
  }

  /** Address the metrics server is bound to, when one is listening. */
  get metricsHost(): string | null {
    return this.metricsServer?.host ?? null;
  }

  /** Port of the probe-only server (`--health-port`), when one is listening. */
  get healthPort(): number | null {
    return this.healthServer?.port ?? this.metricsServer?.port ?? null;
  }

  /**
   * Stop at any moment. Running: finish the current cycle, flush and ack what is in hand, release the
   * lease, log the final line. Starting or standing by: stop waiting, release the lease if it was taken.
   */
  stop(): Promise<void> {
    this.stopRequested = true;
    // A start-up that waits to read the admission seed reads it now and finishes.
    this.readSeed?.();
    this.resolveInterrupted();
    this.lease.interruptWait();
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
    // A stop during start-up waits for start-up to reach its next checkpoint (it then returns early).
    await this.starting?.catch(() => undefined);
    this.stage = 'stopping';
    const t0 = Date.now();
    const phases: Record<string, number> = {};
    const mark = (phase: string) => (phases[phase] = Date.now() - t0);
    const clean = this.loopsStarted && !err;
    if (this.loopsStarted) {
      // Standbys poll fast from now on, so they notice the release below at once (issue 17).
      if (!err) this.lease.announceRelease();
      this.loop.stop();
      this.statsWaker.wake();
      const locksStopped = this.locks.stop();
      await Promise.all([...this.running, locksStopped, this.sweeps.stop()]);
      mark('loops_stopped_ms');
      if (clean) {
        await this.table.drainFlushes();
        await this.memo.drain();
        mark('flushed_ms');
      }
    }
    await this.opts.hooks?.beforeLeaseRelease?.();
    const wasHeld = this.lease.held();
    await this.lease.stop();
    if (wasHeld) {
      mark('lease_released_ms');
      this.journal?.lease('released');
    }
    if (clean) {
      // Every queued delete covers a durable flush: finishing them after the release is safe and keeps
      // them off the hand-over's critical path (WorkflowTable.allowAcksAfterRelease).
      this.table.allowAcksAfterRelease();
      await this.table.drainAcks();
      mark('acked_ms');
    }
    await this.closeServers();
    this.stage = 'stopped';
    const line = finalStatsLine(this.stats());
    if (err) {
      this.logger.error({ err }, line);
      this.rejectDone(err);
    } else {
      if (wasHeld) this.logger.info({ shutdown: phases }, 'coordinator shutdown: lease handed over');
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
    while (!stopping && this.stopped === null && this.loopsStarted) {
      await this.statsWaker.sleep(this.opts.settings.statsLogIntervalS * 1000);
      if (this.stopped !== null || !this.loopsStarted) break;
      const { msg, fields } = line.next(this.stats(), Date.now());
      this.logger.info(fields, msg);
    }
  }
}
