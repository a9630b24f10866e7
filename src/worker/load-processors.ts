/**
 * Built-in load-test processors (`--processor noop|sleep`, not in the reference): they complete tasks
 * without forking. `kwargs.fail_threshold` (0–100) fails a task deterministically when a hash of its
 * name mod 100 is below the threshold, so a run's failure set is reproducible.
 */

/** FNV-1a 32-bit of the UTF-8 name, mod 100. */
export function failBucket(name: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 100;
}

function numberKwarg(kwargs: Record<string, unknown>, key: string): number {
  const v = kwargs[key];
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

/** The simulated failure message for this task, or null when it succeeds. */
export function simulatedFailure(taskName: string, kwargs: Record<string, unknown>): string | null {
  const threshold = numberKwarg(kwargs, 'fail_threshold');
  if (threshold <= 0) return null;
  return failBucket(taskName) < threshold ? `simulated failure (fail_threshold=${threshold})` : null;
}

/** Seconds the `sleep` processor waits (`kwargs.sleep_s`, default 0). */
export function sleepSeconds(kwargs: Record<string, unknown>): number {
  return Math.max(0, numberKwarg(kwargs, 'sleep_s'));
}
