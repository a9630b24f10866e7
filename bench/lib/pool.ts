/** Small concurrency helpers for benchmark load loops. */

/** Runs `n` copies of `worker` concurrently and waits for all of them. */
export async function runPool(n: number, worker: (index: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => worker(i)));
}

/** A counting semaphore (bounds in-flight requests the way a coordinator bounds its acks). */
export class Semaphore {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Resolves when a slot is held. */
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}
