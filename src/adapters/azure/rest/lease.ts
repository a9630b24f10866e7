/**
 * Coordinator lease on `_coordinator.lock` (reference §5.3, DECISIONS §4.6) over the lean client: Lease
 * Blob acquire/renew/release/break, holder metadata, and Get Blob Properties for the status, with the
 * translation of `azure/lease.ts` (409 on acquire → LeaseHeldError, 409/404/412 on renew → LeaseLostError).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CoordinatorLease, LeaseHolderInfo, LeaseStatus } from '../../../ports/lease.js';
import { LeaseLostError } from '../../../errors.js';
import { LOCK_BLOB } from '../../names.js';
import {
  checkLeaseDuration,
  holderFromMetadata,
  holderToMetadata,
  leaseHeldError,
  markFromMetadata,
  markRefreshMs,
  unmarkedMetadata,
} from '../../lease-common.js';
import { BlobConditionError } from '../../blob-bucket.js';
import { errorCodeOf, guarded, is404, is409, is412, translateError } from '../errors.js';
import type { RestEndpoint, RestResult } from './http.js';
import { blobPath, type RestBlobBucket } from './blob-bucket.js';

const LEASE: [string, string][] = [['comp', 'lease']];

/** `x-ms-meta-*` response headers as a metadata record (names lowercased, as the SDK reports them). */
export function metadataOf(headers: IncomingHttpHeaders): Record<string, string> {
  const md: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (k.startsWith('x-ms-meta-') && typeof v === 'string') md[k.slice('x-ms-meta-'.length)] = v;
  return md;
}

export class RestCoordinatorLease implements CoordinatorLease {
  readonly leaseId = randomUUID();
  private durationS = 60;
  private holder: LeaseHolderInfo | null = null;
  /** When this process last wrote the jobq mark (its own clock; only paces refreshes). */
  private markedAt = 0;
  /** announceRelease() was called: every later mark write keeps the flag. */
  private releasing = false;
  private readonly path: string;

  constructor(
    private readonly http: RestEndpoint,
    private readonly bucket: RestBlobBucket,
    private readonly prefix: string,
  ) {
    this.path = blobPath(bucket.container, LOCK_BLOB);
  }

  private lease(op: string, headers: Record<string, string>): Promise<RestResult> {
    return this.http.send({ op, method: 'PUT', path: this.path, query: LEASE, headers });
  }

  /** Create the zero-byte lock blob (and its container) if missing; "already exists" is fine. */
  private async ensureLockBlob(): Promise<void> {
    const create = () =>
      this.bucket.write(LOCK_BLOB, Buffer.alloc(0), { ifNoneMatch: '*' }).catch((err: unknown) => {
        if (!(err instanceof BlobConditionError)) throw err;
      });
    try {
      await create();
    } catch (err) {
      if (errorCodeOf(err) !== 'ContainerNotFound') throw err;
      await this.bucket.ensure();
      await create();
    }
  }

  async acquire(durationS: number, holder: LeaseHolderInfo): Promise<void> {
    checkLeaseDuration(durationS);
    this.durationS = durationS;
    const take = () =>
      this.lease('acquire coordinator lease', {
        'x-ms-lease-action': 'acquire',
        'x-ms-lease-duration': String(durationS),
        'x-ms-proposed-lease-id': this.leaseId,
      });
    try {
      // The lock blob nearly always exists: create it only when the acquire says it is missing, so a
      // standby's take-over and a restart cost one request, not two.
      await take().catch(async (err: unknown) => {
        if (!is404(err)) throw err;
        await this.ensureLockBlob();
        await take();
      });
    } catch (err) {
      if (!is409(err)) throw translateError(err, this.http.url, 'acquire coordinator lease');
      throw leaseHeldError(this.prefix, durationS, (await this.status().catch(() => null))?.holder ?? null);
    }
    this.holder = holder;
    this.releasing = false;
    await this.writeMetadata(holderToMetadata(holder, durationS));
    this.markedAt = Date.now();
  }

  async announceRelease(): Promise<void> {
    if (!this.holder) return;
    this.releasing = true;
    await this.writeMetadata(holderToMetadata(this.holder, this.durationS, true)).then(
      () => (this.markedAt = Date.now()),
      () => undefined,
    );
  }

  /** Holder info (with the jobq mark, DECISIONS §4.16) under the lease; Last-Modified dates the mark. */
  private async writeMetadata(md: Record<string, string>): Promise<void> {
    const meta: Record<string, string> = { 'x-ms-lease-id': this.leaseId };
    for (const [k, v] of Object.entries(md)) meta[`x-ms-meta-${k}`] = v;
    await guarded(this.http.url, 'write lease holder', () =>
      this.http.send({
        op: 'write lease holder',
        method: 'PUT',
        path: this.path,
        query: [['comp', 'metadata']],
        headers: meta,
      }),
    );
  }

  async renew(): Promise<void> {
    await guarded(
      this.http.url,
      'renew coordinator lease',
      () =>
        this.lease('renew coordinator lease', {
          'x-ms-lease-action': 'renew',
          'x-ms-lease-id': this.leaseId,
        }),
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
    if (this.holder && Date.now() - this.markedAt >= markRefreshMs(this.durationS)) {
      await this.writeMetadata(holderToMetadata(this.holder, this.durationS, this.releasing)).then(
        () => (this.markedAt = Date.now()),
        () => undefined,
      );
    }
  }

  async release(): Promise<void> {
    // Unmark first, so a reference coordinator taking the lease next is not mistaken for jobq.
    if (this.holder)
      await this.writeMetadata(unmarkedMetadata(holderToMetadata(this.holder, this.durationS))).catch(
        () => undefined,
      );
    try {
      await this.lease('release coordinator lease', {
        'x-ms-lease-action': 'release',
        'x-ms-lease-id': this.leaseId,
      });
    } catch {
      // Not held or unreachable: the lease then expires on its own within durationS.
    }
  }

  async break(): Promise<void> {
    await guarded(this.http.url, 'break coordinator lease', async () => {
      try {
        await this.lease('break coordinator lease', {
          'x-ms-lease-action': 'break',
          'x-ms-lease-break-period': '0',
        });
      } catch (err) {
        if (!is409(err) && !is404(err)) throw err;
      }
    });
  }

  async status(): Promise<LeaseStatus> {
    return guarded(this.http.url, 'read lease status', async () => {
      try {
        const res = await this.http.send({ op: 'read lease status', method: 'HEAD', path: this.path });
        const state = res.headers['x-ms-lease-state'];
        const md = metadataOf(res.headers);
        // Last-Modified and Date both come from the service's clock, so client clock skew cannot matter.
        const modified = Date.parse(String(res.headers['last-modified'] ?? ''));
        const date = Date.parse(String(res.headers.date ?? ''));
        return {
          state: (typeof state === 'string' ? state : 'available') as LeaseStatus['state'],
          holder: holderFromMetadata(unmarkedMetadata(md)),
          jobq: markFromMetadata(
            md,
            Number.isFinite(modified) ? modified : null,
            Number.isFinite(date) ? date : Date.now(),
          ),
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
