/**
 * Queue events seen by the storage server (bench/lib/azurite-queue-events.cjs, preloaded into the
 * benchmark's Azurite child): when a queue became non-empty and when it became empty, in epoch ms.
 * They replace peek and count polls, which on Azurite scan every message in the account and so load
 * the very run they time (docs/benchmarks.md, "Fifth round: observed at the server").
 */
import { closeSync, openSync, readSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export type QueueEventKind = 'nonempty' | 'empty';

export interface QueueEvent {
  event: QueueEventKind;
  account: string;
  queue: string;
  t: number;
}

interface Waiter {
  match: (e: QueueEvent) => boolean;
  resolve: (t: number) => void;
}

/** Where the events go; how to start Azurite so that it writes them. */
export class QueueEvents {
  private readonly events: QueueEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private offset = 0;
  private partial = '';
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly file: string) {
    writeFileSync(file, '');
  }

  /** `startAzurite` options that preload the hook. */
  azuriteOptions(): { nodeArgs: string[]; env: Record<string, string> } {
    const hook = join(fileURLToPath(new URL('.', import.meta.url)), 'azurite-queue-events.cjs');
    return { nodeArgs: ['--require', hook], env: { JOBQ_BENCH_QUEUE_EVENTS: this.file } };
  }

  /** Start following the file (inotify, and a 50 ms poll in case a change notice is missed). */
  start(): void {
    if (this.watcher) return;
    this.watcher = watch(this.file, () => this.read());
    this.timer = setInterval(() => this.read(), 50);
    this.timer.unref();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * The time of the first `event` on `queue` at or after `since` (epoch ms): at once if it was seen
   * already, else when it arrives; rejects after `timeoutMs`.
   */
  next(event: QueueEventKind, queue: string, since: number, timeoutMs: number): Promise<number> {
    this.start();
    this.read();
    const match = (e: QueueEvent) => e.event === event && e.queue === queue && e.t >= since;
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen.t);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`Azurite reported no '${event}' event for queue ${queue} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private read(): void {
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        this.partial += buf.subarray(0, n).toString('utf8');
      }
    } finally {
      closeSync(fd);
    }
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      const e = JSON.parse(line) as QueueEvent;
      this.events.push(e);
      for (const w of this.waiters)
        if (w.match(e)) {
          this.waiters.delete(w);
          w.resolve(e.t);
        }
    }
  }
}
