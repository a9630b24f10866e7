/**
 * An adaptive limit on requests in flight (the gradient method of Netflix's concurrency-limits, as in
 * TCP Vegas): while the latency of recent requests stays within `tolerance` × the lowest latency seen
 * lately, the service is not queueing them and the limit grows; once it rises above, requests are
 * only waiting in the service's queue — adding latency to everything else it serves, the coordinator's
 * own pushes and receives and the workers' receives included — and the limit shrinks towards the
 * point where it stops queueing. Never above `max` (the configured concurrency), never below `min`.
 *
 * Why the coordinator's deletes need it: Azurite serves requests one at a time, so 64 deletes in
 * flight delete no faster than 8 (≈ 220–300/s either way on this machine) but make a peek or a push
 * beside them wait ≈ 400 ms instead of ≈ 50 ms (docs/benchmarks.md, "Fourth round: dispatch"); Azure
 * Storage serves them in parallel at an even latency, and there the limit stays at `max`.
 */

export interface ConcurrencyLimitOptions {
  /** The configured concurrency: the limit never exceeds it. */
  max: number;
  /** The lowest limit (default min(4, max)). */
  min?: number;
  /** The starting limit (default min(16, max)). */
  initial?: number;
  /** Latency up to this multiple of the no-load latency counts as no queueing (default 2). */
  tolerance?: number;
  /** Weight of a new sample in the smoothed latency and limit (default 0.2). */
  smoothing?: number;
  /** No-load samples kept for the baseline (default 4). */
  baselineSamples?: number;
  /** After this many samples without a no-load one, send one request alone (default 512). */
  probeEvery?: number;
}

/**
 * The no-load latency is learnt only from requests sent alone (nothing else of ours in flight): a
 * request sent into a queue of its own making is as slow as the queue, whatever the limit, so a
 * lowest-latency window of all samples drifts up with the limit and never sees the queueing. Requests
 * go alone naturally whenever the backlog empties (the start of each batch of deletes, the main loop's
 * probe); when none has for `probeEvery` samples, `limit` is 1 until one has (the in-flight requests
 * settle first: about one latency of idle per `probeEvery` requests).
 */
export class ConcurrencyLimit {
  private readonly max: number;
  private readonly min: number;
  private readonly tolerance: number;
  private readonly smoothing: number;
  private readonly baselineSamples: number;
  private readonly probeEvery: number;
  private limitValue: number;
  private smoothedMs: number | null = null;
  /** Latencies of the latest requests sent alone (newest last). */
  private readonly alone: number[] = [];
  private sinceAlone = 0;

  constructor(o: ConcurrencyLimitOptions) {
    this.max = Math.max(1, Math.floor(o.max));
    this.min = Math.max(1, Math.min(o.min ?? 4, this.max));
    this.tolerance = o.tolerance ?? 2;
    this.smoothing = o.smoothing ?? 0.2;
    this.baselineSamples = o.baselineSamples ?? 4;
    this.probeEvery = o.probeEvery ?? 512;
    this.limitValue = Math.min(this.max, Math.max(this.min, o.initial ?? 16));
  }

  /** Requests that may be in flight now: an integer in [min, max], or 1 while a no-load sample is due. */
  get limit(): number {
    if (this.probing) return 1;
    return Math.max(this.min, Math.min(this.max, Math.round(this.limitValue)));
  }

  /** Whether the next request should go alone, to measure the no-load latency again. */
  get probing(): boolean {
    return this.sinceAlone >= this.probeEvery && this.max > 1;
  }

  /** The no-load latency: the lowest of the latest requests sent alone (ms), or null before any. */
  get baselineMs(): number | null {
    return this.alone.length === 0 ? null : Math.min(...this.alone);
  }

  /**
   * One request settled after `latencyMs`, with `inFlight` requests in flight when it was sent
   * (itself included). Growth needs the limit to have been used: a request sent with room to spare
   * says nothing about whether more would queue.
   */
  observe(latencyMs: number, inFlight: number): void {
    const sample = Math.max(0.01, latencyMs);
    if (inFlight <= 1) {
      this.alone.push(sample);
      if (this.alone.length > this.baselineSamples) this.alone.shift();
      this.sinceAlone = 0;
    } else this.sinceAlone++;
    this.smoothedMs =
      this.smoothedMs === null ? sample : this.smoothedMs + this.smoothing * (sample - this.smoothedMs);
    const baseline = this.baselineMs;
    if (baseline === null || inFlight <= 1) return;
    const gradient = Math.max(0.5, Math.min(1, (this.tolerance * baseline) / this.smoothedMs));
    const current = this.limitValue;
    // Headroom of √limit while not queueing, so the limit probes upwards; none once queueing starts.
    const used = inFlight >= Math.round(current);
    const headroom = gradient >= 1 && used ? Math.sqrt(current) : 0;
    const target = current * gradient + headroom;
    const next = current + this.smoothing * (target - current);
    this.limitValue = Math.max(this.min, Math.min(this.max, next));
  }
}
