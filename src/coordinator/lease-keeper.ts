/**
 * The lease as a fence (DECISIONS §4.6). `held()` is true only while the last successful acquire/renew
 * guarantees the lease (minus a safety margin). When renewal fails and the lease may have lapsed, the
 * coordinator stops flushing and acking at once, tries to reacquire, and gives up (fatal) if it cannot
 * within one lease duration.
 */
import type { Logger } from '../log.js';
import type { CoordinatorLease, LeaseHolderInfo, LeaseStatus } from '../ports/lease.js';
import type { CoordinatorStats, LeaseState } from './stats.js';
import { LeaseLostError, isJobqError } from '../errors.js';
import { Waker } from './concurrency.js';

export interface LeaseKeeperOptions {
  durationS: number;
  renewIntervalS: number;
  /** Called when the lease was lost and then regained: in-memory state may be stale. */
  onRegained(): void;
  /** Called once when leadership is given up for good. */
  onFatal(err: Error): void;
  /** Called after each successful renewal (the flush journal records it). */
  onRenewed?(): void;
}

/** Seconds before the computed expiry at which the fence drops (clock skew, request latency). */
const SAFETY_MARGIN_MS = 2_000;
const RETRY_MS = 1_000;
/** Standby poll interval while the holder's mark says it is releasing (a graceful hand-over). */
export const RELEASING_POLL_MS = 100;
/** Lease states in which a standby tries to acquire (anything but held by another: leased, breaking). */
const ACQUIRABLE: ReadonlySet<LeaseStatus['state']> = new Set(['available', 'expired', 'broken', 'missing']);

export class LeaseKeeper {
  private validUntil = 0;
  private state: LeaseState = 'not_acquired';
  private readonly waker = new Waker();
  private loop: Promise<void> | null = null;
  private stopping = false;
  /** Set by interruptWait(): a standby wait for the lease returns false at once. */
  private waitInterrupted = false;
  /** Epoch ms of the last attempt of a standby wait (liveness of a standby). */
  lastAttemptAt = Date.now();
  /** The releasing mark's write (announceRelease), awaited before the release itself. */
  private announcing: Promise<void> | null = null;

  constructor(
    private readonly lease: CoordinatorLease,
    private readonly holder: LeaseHolderInfo,
    private readonly stats: CoordinatorStats,
    private readonly logger: Logger,
    private readonly opts: LeaseKeeperOptions,
  ) {}

  /** Whether this process may act as leader right now. */
  held(): boolean {
    return (
      (this.state === 'held' || this.state === 'renewing') && Date.now() < this.validUntil - SAFETY_MARGIN_MS
    );
  }

  get leaseState(): LeaseState {
    return this.state;
  }

  /** Acquire (breaking first if asked). LeaseHeldError propagates. */
  async acquire(breakFirst: boolean): Promise<void> {
    if (breakFirst) {
      await this.lease.break();
      this.logger.info('Existing lease broken.');
    }
    const t0 = Date.now();
    await this.lease.acquire(this.opts.durationS, this.holder);
    this.validUntil = t0 + this.opts.durationS * 1000;
    this.setState('held');
  }

  /**
   * Hot standby: watch the lease every `intervalMs` with one HEAD (lease state and the holder's jobq
   * mark) while another coordinator holds it, and acquire the moment it is free, expired or broken;
   * returns true then, false when interruptWait() was called first. While the holder's mark says it is
   * releasing (announceRelease: it got SIGTERM and is flushing), poll every RELEASING_POLL_MS instead,
   * so a graceful hand-over is noticed within that, at no extra idle cost. The first attempt acquires
   * directly (one request when the lease is free); a refusal is followed by one look at the mark. `onWaiting` is called once, on the first refusal.
   * Other errors (storage unreachable) are logged and retried.
   */
  async acquireWhenFree(opts: {
    breakFirst: boolean;
    intervalMs: number;
    onWaiting(): void;
  }): Promise<boolean> {
    let refusals = 0;
    let errors = 0;
    let mustBreak = opts.breakFirst;
    let watch = false;
    const refused = () => {
      if (refusals++ === 0) opts.onWaiting();
      this.setState('standby');
    };
    while (!this.waitInterrupted) {
      this.lastAttemptAt = Date.now();
      let releasing = false;
      try {
        const status = watch ? await this.lease.status() : null;
        if (status === null || ACQUIRABLE.has(status.state)) {
          await this.acquire(mustBreak);
          return true;
        }
        releasing = status.jobq?.releasing === true;
        refused();
      } catch (err) {
        if (isJobqError(err, 'LeaseHeldError')) {
          mustBreak = false;
          refused();
          // Refused by an acquire: look at the holder's mark at once (is it releasing?), then watch.
          if (!watch) {
            watch = true;
            continue;
          }
        } else if (errors++ % 30 === 0) {
          this.logger.warn({ err }, 'standby: cannot reach the lease; retrying');
        }
      }
      watch = !mustBreak;
      if (this.waitInterrupted) break;
      await this.waker.sleep(releasing ? Math.min(RELEASING_POLL_MS, opts.intervalMs) : opts.intervalMs);
    }
    return false;
  }

  /**
   * The holder was asked to stop: mark the lease `releasing` so standbys poll fast until stop()
   * releases it. A no-op unless the lease is held; never throws.
   */
  announceRelease(): void {
    if (!this.held() || this.announcing) return;
    this.announcing = this.lease.announceRelease().catch(() => undefined);
  }

  /** Make a standby wait (acquireWhenFree) return false now; renewal is not affected. */
  interruptWait(): void {
    this.waitInterrupted = true;
    this.waker.wake();
  }

  start(): void {
    this.loop = this.renewLoop();
  }

  /** Stop renewing and release the lease (if held). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.waker.wake();
    await this.loop;
    // The releasing mark must land before the release's unmark, never after it.
    await this.announcing;
    if (this.state === 'held' || this.state === 'renewing') await this.lease.release();
    this.setState('released');
  }

  private setState(s: LeaseState): void {
    this.state = s;
    this.stats.lease_state = s;
  }

  private async renewLoop(): Promise<void> {
    while (!this.stopping) {
      const wait = this.state === 'renewing' ? RETRY_MS : this.opts.renewIntervalS * 1000;
      await this.waker.sleep(wait);
      if (this.stopping) return;
      const t0 = Date.now();
      try {
        await this.lease.renew();
        this.validUntil = t0 + this.opts.durationS * 1000;
        this.setState('held');
        this.opts.onRenewed?.();
      } catch (err) {
        const lost = isJobqError(err, 'LeaseLostError') || Date.now() >= this.validUntil - SAFETY_MARGIN_MS;
        if (!lost) {
          this.setState('renewing');
          this.logger.warn({ err }, 'lease renewal failed; retrying (still within the lease period)');
          continue;
        }
        this.setState('lost');
        this.logger.error(
          { err },
          'coordinator lease lost: stopped flushing and acking; trying to reacquire',
        );
        if (!(await this.reacquire())) return;
      }
    }
  }

  /** Try to take the lease back within one lease duration. */
  private async reacquire(): Promise<boolean> {
    const deadline = Date.now() + this.opts.durationS * 1000;
    while (!this.stopping && Date.now() < deadline) {
      const t0 = Date.now();
      try {
        await this.lease.acquire(this.opts.durationS, this.holder);
        this.validUntil = t0 + this.opts.durationS * 1000;
        this.setState('held');
        this.logger.warn('coordinator lease reacquired; discarding in-memory state');
        this.opts.onRegained();
        return true;
      } catch (err) {
        this.logger.debug({ err }, 'lease reacquire failed');
      }
      await this.waker.sleep(RETRY_MS);
    }
    if (this.stopping) return false;
    const err = new LeaseLostError(
      `Lost the coordinator lease and could not reacquire it within ${this.opts.durationS}s; another coordinator may be running. Exiting.`,
    );
    this.opts.onFatal(err);
    return false;
  }
}
