/**
 * LockStore over a BlobBucket (`<prefix lower>-jobq-ext` container):
 * `locks/<lock>/hold/<slot>` (create-only: the slot's one grant) and
 * `locks/<lock>/wait/<readyAtMs, 15 digits>-<sha1 of workflow/task, 16 hex>` (sorted = FIFO).
 * Shared by the Azure and memory adapters.
 */
import { createHash } from 'node:crypto';
import type { LockHold, LockOwner, LockStore, LockWait } from '../ports/lock-store.js';
import { BlobConditionError, type BlobBucket } from './blob-bucket.js';
import { mapBounded } from '../concurrency.js';

const ROOT = 'locks/';
const holdName = (lock: string, slot: number) => `${ROOT}${lock}/hold/${String(slot).padStart(4, '0')}`;
const ownerHash = (o: Pick<LockOwner, 'workflowId' | 'task'>) =>
  createHash('sha1').update(`${o.workflowId}\n${o.task}`).digest('hex').slice(0, 16);
const waitName = (w: LockWait) =>
  `${ROOT}${w.lock}/wait/${String(Math.max(0, Math.floor(w.readyAtMs))).padStart(15, '0')}-${ownerHash(w.owner)}`;

interface HoldDoc {
  workflow_id: string;
  task: string;
  attempt: number;
  acquired_at: string;
  pushed: boolean;
}
interface WaitDoc {
  workflow_id: string;
  task: string;
  attempt: number;
  ready_at_ms: number;
}

const sameTask = (a: Pick<LockOwner, 'workflowId' | 'task'>, b: Pick<LockOwner, 'workflowId' | 'task'>) =>
  a.workflowId === b.workflowId && a.task === b.task;

function parse<T>(bytes: Buffer): T | null {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    return null;
  }
}

export class BlobLockStore implements LockStore {
  private ready: Promise<void> | null = null;

  constructor(private readonly bucket: BlobBucket) {}

  private ensure(): Promise<void> {
    this.ready ??= this.bucket.ensure().catch((err: unknown) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }

  private async list(prefix: string): Promise<string[]> {
    await this.ensure();
    return (await this.bucket.list(prefix)).sort();
  }

  async holds(lock: string): Promise<LockHold[]> {
    const names = await this.list(`${ROOT}${lock}/hold/`);
    const holds = await mapBounded(names, 8, async (name) => {
      const blob = await this.bucket.read(name);
      const d = blob ? parse<HoldDoc>(blob.bytes) : null;
      if (!d) return null;
      const hold: LockHold = {
        lock,
        slot: Number(name.slice(name.lastIndexOf('/') + 1)),
        owner: { workflowId: d.workflow_id, task: d.task, attempt: d.attempt },
        acquiredAt: d.acquired_at,
        pushed: d.pushed === true,
      };
      return hold;
    });
    return holds.filter((h): h is LockHold => h !== null);
  }

  async acquire(lock: string, limit: number, owner: LockOwner, nowMs: number): Promise<LockHold | null> {
    for (let round = 0; round < 8; round++) {
      const holds = await this.holds(lock);
      const mine = holds.find((h) => sameTask(h.owner, owner));
      if (mine) return mine;
      const taken = new Set(holds.map((h) => h.slot));
      let slot = -1;
      for (let s = 0; s < limit; s++)
        if (!taken.has(s)) {
          slot = s;
          break;
        }
      if (slot < 0) return null;
      const hold: LockHold = { lock, slot, owner, acquiredAt: new Date(nowMs).toISOString(), pushed: false };
      try {
        await this.bucket.write(holdName(lock, slot), this.holdBytes(hold), { ifNoneMatch: '*' });
        return hold;
      } catch (err) {
        // Someone took the slot between the listing and the write: look again.
        if (err instanceof BlobConditionError) continue;
        throw err;
      }
    }
    return null;
  }

  private holdBytes(h: LockHold): Buffer {
    const doc: HoldDoc = {
      workflow_id: h.owner.workflowId,
      task: h.owner.task,
      attempt: h.owner.attempt,
      acquired_at: h.acquiredAt,
      pushed: h.pushed,
    };
    return Buffer.from(JSON.stringify(doc), 'utf8');
  }

  async markPushed(hold: LockHold): Promise<void> {
    const name = holdName(hold.lock, hold.slot);
    const blob = await this.bucket.read(name);
    const d = blob ? parse<HoldDoc>(blob.bytes) : null;
    if (!blob || !d || d.workflow_id !== hold.owner.workflowId || d.task !== hold.owner.task) return;
    await this.bucket
      .write(name, this.holdBytes({ ...hold, pushed: true }), { ifMatch: blob.etag })
      .catch((err: unknown) => {
        if (!(err instanceof BlobConditionError)) throw err;
      });
  }

  async release(lock: string, owner: LockOwner): Promise<boolean> {
    let released = false;
    for (const h of await this.holds(lock)) {
      if (!sameTask(h.owner, owner) || h.owner.attempt > owner.attempt) continue;
      released = (await this.bucket.delete(holdName(lock, h.slot))) || released;
    }
    return released;
  }

  async addWaiter(w: LockWait): Promise<LockWait> {
    // The record's name carries its ready time: one listing finds the task's place, no blob is read
    // (a wait is registered per dispatched task, so reading every waiter would be quadratic).
    const suffix = `-${ownerHash(w.owner)}`;
    const prefix = `${ROOT}${w.lock}/wait/`;
    const existing = (await this.list(prefix)).find((n) => n.endsWith(suffix));
    const keptAt = existing ? Number(existing.slice(prefix.length, prefix.length + 15)) : NaN;
    const keep: LockWait = Number.isFinite(keptAt) ? { ...w, readyAtMs: keptAt } : w;
    const doc: WaitDoc = {
      workflow_id: keep.owner.workflowId,
      task: keep.owner.task,
      attempt: keep.owner.attempt,
      ready_at_ms: keep.readyAtMs,
    };
    await this.bucket.write(waitName(keep), Buffer.from(JSON.stringify(doc), 'utf8'));
    return keep;
  }

  async removeWaiter(lock: string, owner: Pick<LockOwner, 'workflowId' | 'task'>): Promise<void> {
    const suffix = `-${ownerHash(owner)}`;
    for (const name of await this.list(`${ROOT}${lock}/wait/`))
      if (name.endsWith(suffix)) await this.bucket.delete(name);
  }

  async waiters(lock: string): Promise<LockWait[]> {
    const names = await this.list(`${ROOT}${lock}/wait/`);
    const waits = await mapBounded(names, 8, async (name) => {
      const blob = await this.bucket.read(name);
      const d = blob ? parse<WaitDoc>(blob.bytes) : null;
      if (!d) return null;
      const w: LockWait = {
        lock,
        owner: { workflowId: d.workflow_id, task: d.task, attempt: d.attempt },
        readyAtMs: d.ready_at_ms,
      };
      return w;
    });
    return waits.filter((w): w is LockWait => w !== null);
  }

  async locks(): Promise<string[]> {
    const names = await this.list(ROOT);
    const out = new Set<string>();
    for (const n of names) {
      const rest = n.slice(ROOT.length);
      const cut = rest.indexOf('/');
      if (cut > 0) out.add(rest.slice(0, cut));
    }
    return [...out].sort();
  }
}
