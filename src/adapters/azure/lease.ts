/**
 * Coordinator lease on `_coordinator.lock` in the state container (reference §5.3, DECISIONS §4.6).
 * A fresh BlobLeaseClient is made per call: `changeLease` would otherwise mutate a shared client's id
 * (research/azurite-limits.md §6b).
 */
import { randomUUID } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import type { CoordinatorLease, LeaseHolderInfo, LeaseStatus } from '../../ports/lease.js';
import type { AccountSpec } from '../../config/types.js';
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
import { blobEndpoint, createBlobServiceClient } from './clients.js';
import { errorCodeOf, guarded, is404, is409, is412, translateError } from './errors.js';

export class AzureCoordinatorLease implements CoordinatorLease {
  readonly leaseId = randomUUID();
  private durationS = 60;
  private holder: LeaseHolderInfo | null = null;
  /** When this process last wrote the jobq mark (its own clock; only paces refreshes). */
  private markedAt = 0;
  /** announceRelease() was called: every later mark write keeps the flag. */
  private releasing = false;

  constructor(
    private readonly container: ContainerClient,
    private readonly prefix: string,
    private readonly endpoint: string,
  ) {}

  private blob() {
    return this.container.getBlockBlobClient(LOCK_BLOB);
  }

  /** Create the zero-byte lock blob (and its container) if missing; "already exists" is fine. */
  private async ensureLockBlob(): Promise<void> {
    const create = () =>
      this.blob().upload(Buffer.alloc(0), 0, {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
      });
    await guarded(this.endpoint, 'create lock blob', async () => {
      try {
        await create();
      } catch (err) {
        if (is409(err) || is412(err)) return;
        if (errorCodeOf(err) !== 'ContainerNotFound') throw err;
        await this.container.createIfNotExists();
        await create().catch((e: unknown) => {
          if (!is409(e) && !is412(e)) throw e;
        });
      }
    });
  }

  async acquire(durationS: number, holder: LeaseHolderInfo): Promise<void> {
    checkLeaseDuration(durationS);
    this.durationS = durationS;
    const take = () => this.blob().getBlobLeaseClient(this.leaseId).acquireLease(durationS);
    try {
      // The lock blob nearly always exists: create it only when the acquire says it is missing, so a
      // standby's take-over and a restart cost one request, not two.
      await take().catch(async (err: unknown) => {
        if (!is404(err)) throw err;
        await this.ensureLockBlob();
        await take();
      });
    } catch (err) {
      if (!is409(err)) throw translateError(err, this.endpoint, 'acquire coordinator lease');
      throw leaseHeldError(this.prefix, durationS, (await this.status().catch(() => null))?.holder ?? null);
    }
    this.holder = holder;
    this.releasing = false;
    await this.writeMark();
  }

  async announceRelease(): Promise<void> {
    if (!this.holder) return;
    this.releasing = true;
    await this.writeMark().catch(() => undefined);
  }

  /** Holder info plus the jobq mark (DECISIONS §4.16); its Last-Modified dates the mark. */
  private async writeMark(): Promise<void> {
    if (!this.holder) return;
    const md = holderToMetadata(this.holder, this.durationS, this.releasing);
    await guarded(this.endpoint, 'write lease holder', () =>
      this.blob().setMetadata(md, { conditions: { leaseId: this.leaseId } }),
    );
    this.markedAt = Date.now();
  }

  async renew(): Promise<void> {
    await guarded(
      this.endpoint,
      'renew coordinator lease',
      () => this.blob().getBlobLeaseClient(this.leaseId).renewLease(),
      (err) =>
        is409(err) || is404(err) || is412(err)
          ? new LeaseLostError(
              `Lost the coordinator lease on prefix '${this.prefix}' (${errorCodeOf(err) ?? 'renew refused'}): ` +
                'another coordinator may have taken over.',
              { cause: err },
            )
          : undefined,
    );
    // Keep the mark current for `submit`'s check; a failed refresh only makes the mark look stale.
    if (Date.now() - this.markedAt >= markRefreshMs(this.durationS)) await this.writeMark().catch(() => {});
  }

  async release(): Promise<void> {
    try {
      // Unmark first, so a reference coordinator taking the lease next is not mistaken for jobq.
      if (this.holder) {
        const md = unmarkedMetadata(holderToMetadata(this.holder, this.durationS));
        await this.blob().setMetadata(md, { conditions: { leaseId: this.leaseId } });
      }
    } catch {
      // Not held or unreachable: the mark then goes stale within two lease durations.
    }
    try {
      await this.blob().getBlobLeaseClient(this.leaseId).releaseLease();
    } catch {
      // Not held or unreachable: the lease then expires on its own within durationS.
    }
  }

  async break(): Promise<void> {
    await guarded(this.endpoint, 'break coordinator lease', async () => {
      try {
        await this.blob().getBlobLeaseClient().breakLease(0);
      } catch (err) {
        if (!is409(err) && !is404(err)) throw err;
      }
    });
  }

  async status(): Promise<LeaseStatus> {
    return guarded(this.endpoint, 'read lease status', async () => {
      try {
        const p = await this.blob().getProperties();
        // Last-Modified and Date both come from the service's clock, so client clock skew cannot matter.
        const markedAt = p.lastModified ? p.lastModified.getTime() : null;
        const now = p.date ? p.date.getTime() : Date.now();
        return {
          state: p.leaseState ?? 'available',
          holder: holderFromMetadata(unmarkedMetadata(p.metadata)),
          jobq: markFromMetadata(p.metadata, markedAt, now),
        };
      } catch (err) {
        if (is404(err)) return { state: 'missing', holder: null };
        throw err;
      }
    });
  }

  /** Duration of the last acquire, seconds. */
  get duration(): number {
    return this.durationS;
  }
}

/** The lease of `prefix` on `account`. */
export function createAzureLease(account: AccountSpec, prefix: string): CoordinatorLease {
  const container = createBlobServiceClient(account).getContainerClient(resourceNames(prefix).stateContainer);
  return new AzureCoordinatorLease(container, prefix, blobEndpoint(account));
}
