/** Memory CoordinatorLease: Azure blob-lease semantics on the world's lock blob, with the world's clock. */
import { randomUUID } from 'node:crypto';
import type { CoordinatorLease, LeaseHolderInfo, LeaseStatus } from '../../ports/lease.js';
import { LeaseLostError } from '../../errors.js';
import { LOCK_BLOB, resourceNames } from '../names.js';
import {
  checkLeaseDuration,
  holderFromMetadata,
  holderToMetadata,
  leaseHeldError,
  markFromMetadata,
  markRefreshMs,
  unmarkedMetadata,
} from '../lease-common.js';
import type { MemoryBlob, MemoryWorld } from './world.js';

export class MemoryCoordinatorLease implements CoordinatorLease {
  readonly leaseId = randomUUID();
  private durationS = 60;
  private holder: LeaseHolderInfo | null = null;
  private releasing = false;

  constructor(
    private readonly world: MemoryWorld,
    private readonly container: string,
    private readonly prefix: string,
  ) {}

  private lockBlob(create: boolean): MemoryBlob | undefined {
    let c = this.world.blobs.containers.get(this.container);
    if (!c && create) this.world.blobs.containers.set(this.container, (c = new Map()));
    let b = c?.get(LOCK_BLOB);
    if (!b && create && c)
      c.set(LOCK_BLOB, (b = { bytes: Buffer.alloc(0), etag: this.world.blobs.nextEtag(), metadata: {} }));
    return b;
  }

  private active(b: MemoryBlob): boolean {
    return !!b.lease && !b.lease.broken && b.lease.expiresAt > this.world.now();
  }

  async acquire(durationS: number, holder: LeaseHolderInfo): Promise<void> {
    checkLeaseDuration(durationS);
    this.durationS = durationS;
    const b = this.lockBlob(true)!;
    if (this.active(b) && b.lease!.id !== this.leaseId) {
      throw leaseHeldError(this.prefix, durationS, holderFromMetadata(b.metadata));
    }
    b.lease = { id: this.leaseId, expiresAt: this.world.now() + durationS * 1000, broken: false };
    this.holder = holder;
    this.releasing = false;
    this.mark(b);
  }

  async announceRelease(): Promise<void> {
    const b = this.lockBlob(false);
    if (!this.holder || b?.lease?.id !== this.leaseId) return;
    this.releasing = true;
    this.mark(b);
  }

  /** Holder info plus the jobq mark, dated like Azure's Last-Modified. */
  private mark(b: MemoryBlob): void {
    if (!this.holder) return;
    b.metadata = holderToMetadata(this.holder, this.durationS, this.releasing);
    b.markedAt = this.world.now();
  }

  async renew(): Promise<void> {
    const b = this.lockBlob(false);
    // Like Azure: an expired lease can be renewed by its own id as long as nobody else took it.
    if (!b?.lease || b.lease.broken || b.lease.id !== this.leaseId) {
      throw new LeaseLostError(
        `Lost the coordinator lease on prefix '${this.prefix}': another coordinator may have taken over.`,
      );
    }
    b.lease.expiresAt = this.world.now() + this.durationS * 1000;
    if (this.world.now() - (b.markedAt ?? 0) >= markRefreshMs(this.durationS)) this.mark(b);
  }

  async release(): Promise<void> {
    const b = this.lockBlob(false);
    if (b?.lease?.id !== this.leaseId) return;
    b.metadata = unmarkedMetadata(b.metadata);
    b.markedAt = this.world.now();
    b.lease = undefined;
  }

  async break(): Promise<void> {
    const b = this.lockBlob(false);
    if (b?.lease) b.lease.broken = true;
  }

  async status(): Promise<LeaseStatus> {
    const b = this.lockBlob(false);
    if (!b) return { state: 'missing', holder: null };
    const holder = holderFromMetadata(unmarkedMetadata(b.metadata));
    const jobq = markFromMetadata(b.metadata, b.markedAt ?? null, this.world.now());
    if (!b.lease) return { state: 'available', holder, jobq };
    if (b.lease.broken) return { state: 'broken', holder, jobq };
    if (b.lease.expiresAt <= this.world.now()) return { state: 'expired', holder, jobq };
    return { state: 'leased', holder, jobq };
  }
}

/** The lease of `prefix` in `world`. */
export function createMemoryLease(world: MemoryWorld, prefix: string): CoordinatorLease {
  return new MemoryCoordinatorLease(world, resourceNames(prefix).stateContainer, prefix);
}
