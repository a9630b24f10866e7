/** Small async primitives the coordinator needs: a counting semaphore and a per-key mutex. */

/** Limits how many async operations run at once (pushes, acks, loads). */
export class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Run `fn` once a permit is free. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiters.shift()?.();
    }
  }

  get inFlight(): number {
    return this.active;
  }
}

/**
 * Serializes operations per key (one workflow's applies, snapshots, reloads and sweep mutations) while
 * operations on different keys run freely. Order of entry is order of execution.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Run `fn` after every earlier operation on `key` has settled. */
  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Whether some operation on `key` is queued or running. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}

/** Run `fn` over `items` with at most `limit` in flight; rejects with the first error after all settle. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let firstError: unknown = null;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (firstError !== null) throw firstError;
}

/** Sleeps that `wake()` cuts short (idle waits and sweep timers must be interruptible by stop). */
export class Waker {
  private readonly sleepers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  wake(): void {
    if (this.sleepers.size === 0) return;
    for (const done of [...this.sleepers]) done();
  }
}
