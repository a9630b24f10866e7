/** The coordinator's single-writer lease on `_coordinator.lock` (reference §5.3, DECISIONS §4.6). */

export interface LeaseHolderInfo {
  /** Free-form identity written into the lock blob's metadata by the holder (host, pid, start time). */
  coordinatorId: string | null;
  host: string | null;
  pid: number | null;
  startedAt: string | null;
}

/**
 * The mark a jobq coordinator keeps on its lock blob (DECISIONS §4.16), so a jobq `submit` can tell a
 * jobq coordinator from a reference one with one HEAD request.
 */
export interface JobqLeaseMark {
  /** jobq version of the coordinator that wrote the mark. */
  version: string;
  /**
   * True when the mark was (re)written recently enough to belong to the current lease holder: the
   * holder refreshes it every half lease duration, so a mark older than two durations (by the storage
   * service's clock) was left by a holder that is gone.
   */
  current: boolean;
  /**
   * Set (true) by a holder that was asked to stop and will release as soon as its last flush is
   * durable (announceRelease): a standby then polls fast to take over the moment it is free.
   */
  releasing?: boolean;
}

export interface LeaseStatus {
  state: 'available' | 'leased' | 'expired' | 'breaking' | 'broken' | 'missing';
  holder: LeaseHolderInfo | null;
  /** The jobq mark, or null when the blob carries none (a reference coordinator never writes one). */
  jobq?: JobqLeaseMark | null;
}

export interface CoordinatorLease {
  /** Acquire for `durationS` (15–60). Another holder → LeaseHeldError naming the prefix. */
  acquire(durationS: number, holder: LeaseHolderInfo): Promise<void>;
  /** Renew; failure that means the lease is gone → LeaseLostError; transient errors are rethrown as-is. */
  renew(): Promise<void>;
  /**
   * Tell standbys this holder is stopping and about to release: rewrites the jobq mark with
   * `releasing` (one metadata write under the lease). Errors swallowed (standbys then just poll at
   * their normal interval).
   */
  announceRelease(): Promise<void>;
  /** Release if held (errors swallowed: the lease then expires). */
  release(): Promise<void>;
  /** Break any lease immediately (break period 0); no lease / no blob are no-ops. */
  break(): Promise<void>;
  status(): Promise<LeaseStatus>;
  readonly leaseId: string;
}
