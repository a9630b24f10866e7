/**
 * The coordinator's deletes (acks) of completion messages: one FIFO for the whole process with at most
 * `concurrency` deletes in flight — the same shape as a raw receive+delete drain. On Azurite every
 * delete scans the account's messages, so how many are in flight matters less than that they never
 * stop; the main loop reads `backlog` to receive no faster than deletes keep up (a queue that is
 * received far ahead of its deletes only gets its messages redelivered).
 */
import type { ReceivedMessage } from '../ports/queue.js';

interface BacklogWaiter {
  limit: number;
  resolve: () => void;
}

/** Compact the FIFO array once this many entries were consumed from its head. */
const COMPACT_AFTER = 1024;

export class AckQueue {
  private queue: ReceivedMessage[] = [];
  private head = 0;
  private active = 0;
  private waiters: BacklogWaiter[] = [];
  private readonly settle = (): void => this.finished();

  /** `del` must never reject (errors are the caller's to log: the message is then redelivered). */
  constructor(
    private readonly del: (msg: ReceivedMessage) => Promise<void>,
    private readonly concurrency: number,
  ) {}

  /** Messages waiting for or in a delete. */
  get backlog(): number {
    return this.queue.length - this.head + this.active;
  }

  /** Queue deletes (order kept); they start at once when a slot is free. */
  push(msgs: readonly ReceivedMessage[]): void {
    for (const m of msgs) this.queue.push(m);
    this.pump();
  }

  /** Resolves once at most `limit` deletes are waiting or in flight (0: every delete settled). */
  whenBacklogAtMost(limit: number): Promise<void> {
    if (this.backlog <= limit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit, resolve }));
  }

  private pump(): void {
    const limit = Math.max(1, this.concurrency);
    while (this.active < limit && this.head < this.queue.length) {
      const msg = this.queue[this.head++];
      this.active++;
      this.del(msg).then(this.settle, this.settle);
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private finished(): void {
    this.active--;
    this.pump();
    if (this.waiters.length === 0) return;
    const backlog = this.backlog;
    const still: BacklogWaiter[] = [];
    for (const w of this.waiters) {
      if (backlog <= w.limit) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}
