/** The coordinator's single-writer lease on `_coordinator.lock` (reference §5.3, DECISIONS §4.6). */

export interface LeaseHolderInfo {
  /** Free-form identity written into the lock blob's metadata by the holder (host, pid, start time). */
  coordinatorId: string | null;
  host: string | null;
  pid: number | null;
  startedAt: string | null;
}

export interface LeaseStatus {
  state: 'available' | 'leased' | 'expired' | 'breaking' | 'broken' | 'missing';
  holder: LeaseHolderInfo | null;
}

export interface CoordinatorLease {
  /** Acquire for `durationS` (15–60). Another holder → LeaseHeldError naming the prefix. */
  acquire(durationS: number, holder: LeaseHolderInfo): Promise<void>;
  /** Renew; failure that means the lease is gone → LeaseLostError; transient errors are rethrown as-is. */
  renew(): Promise<void>;
  /** Release if held (errors swallowed: the lease then expires). */
  release(): Promise<void>;
  /** Break any lease immediately (break period 0); no lease / no blob are no-ops. */
  break(): Promise<void>;
  status(): Promise<LeaseStatus>;
  readonly leaseId: string;
}
