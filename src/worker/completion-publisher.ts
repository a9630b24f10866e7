/**
 * Publishing a completion (reference §6.5): retried with exponential back-off 1 s → 60 s; an attempt cap
 * of 0 means forever. The caller deletes the task message only when this returns true.
 */
import type { Logger } from '../log.js';
import type { QueueClient } from '../ports/queue.js';

export interface PublishOptions {
  /** 0 = retry forever. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  logger: Logger;
  /** Aborting stops retrying (worker shutdown past its grace): the result is then false. */
  signal?: AbortSignal;
}

/** Delay before retry number `attempt` (1-based: the wait after the first failure is `initialMs`). */
export function completionRetryDelayMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Send `body` to the completion queue; true once sent, false when the cap is reached or aborted. */
export async function publishCompletion(
  queue: QueueClient,
  body: string,
  opts: PublishOptions,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await queue.send(body);
      if (attempt > 1) opts.logger.info({ attempts: attempt }, 'completion published after retries');
      return true;
    } catch (err) {
      if (opts.maxAttempts > 0 && attempt >= opts.maxAttempts) {
        opts.logger.error(
          { err: String(err), attempts: attempt },
          'giving up publishing the completion; the task message returns to the queue for a rerun',
        );
        return false;
      }
      const delayMs = completionRetryDelayMs(attempt, opts.initialDelayMs, opts.maxDelayMs);
      opts.logger.warn(
        { err: String(err), attempt, retryInMs: delayMs },
        'completion publish failed; retrying',
      );
      await sleep(delayMs, opts.signal);
      if (opts.signal?.aborted) return false;
    }
  }
}
