/**
 * Memoized tasks in the coordinator (DECISIONS §4.17): when a cacheable task is dispatched, look its key
 * up and, on a hit within the TTL, complete it in place with the cached output — no queue hop, like a
 * merge node. A successful completion of a cacheable task records its output under the key. Failed,
 * cancelled and timed-out attempts are never recorded. Two workflows racing on one key both miss and
 * both run; each records a valid result and the last write wins (documented, tested).
 */
import type { Logger } from '../log.js';
import type { Runtime, TaskDispatch } from '../engine/api.js';
import type { OutputStore } from '../ports/output-store.js';
import { OUTPUT_INLINE_THRESHOLD } from '../ports/output-store.js';
import type { TaskCacheStore } from '../ports/task-cache.js';
import { formatCacheSource } from '../ports/task-cache.js';
import type { CacheSpec } from '../model/extensions.js';
import { decodeInlineRef } from '../engine/conditions.js';
import type { CoordinatorStats } from './stats.js';
import { cacheKey, withinTtl } from './cache-key.js';

/** A cache hit, ready for `Runtime.completeFromCache`. */
export interface CacheHit {
  outputRef: string | null;
  source: string;
}

export class TaskMemo {
  /** Writes in flight (drained on shutdown and by tests). */
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly store: TaskCacheStore,
    private readonly outputs: OutputStore,
    private readonly stats: CoordinatorStats,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** The task's cache spec, or null when it is not memoized. */
  specOf(rt: Runtime, task: string): CacheSpec | null {
    return rt.taskExtension(task)?.cache ?? null;
  }

  /** Decoded outputs of the task's inputs: its parents, or the real ancestors behind merge nodes. */
  private async inputsOf(rt: Runtime, task: string): Promise<Record<string, unknown>> {
    const parents = rt.parents(task);
    const names = parents.some((p) => rt.isMergeNode(p)) ? rt.realUpstreamTasks(task) : parents;
    const inputs: Record<string, unknown> = {};
    for (const name of names) {
      const ref = rt.outputRef(name);
      inputs[name] =
        ref === null
          ? null
          : ref.startsWith('blob:')
            ? await this.outputs.fetchOutput(ref)
            : decodeInlineRef(ref);
    }
    return inputs;
  }

  /** The key of a task in its current inputs. */
  async keyOf(rt: Runtime, task: string, spec: CacheSpec): Promise<string> {
    return cacheKey(spec, task, rt.taskKwargsJson(task), await this.inputsOf(rt, task));
  }

  /**
   * Look a dispatched task up. A lookup that fails (storage, an input that cannot be read, a key
   * template that does not evaluate) is a miss: the task simply runs.
   */
  async lookup(rt: Runtime, d: TaskDispatch): Promise<CacheHit | null> {
    const spec = this.specOf(rt, d.task);
    if (!spec) return null;
    const log = { workflowId: rt.workflowId, task: d.task, attempt: d.attemptNo };
    if (rt.noCache) {
      this.stats.cache_misses++;
      return null;
    }
    try {
      const key = await this.keyOf(rt, d.task, spec);
      const entry = await this.store.get(key);
      if (!entry || !withinTtl(spec, entry.createdAt, this.now())) {
        this.stats.cache_misses++;
        this.logger.debug({ ...log, key }, entry ? 'cache entry expired' : 'cache miss');
        return null;
      }
      let outputRef = entry.output;
      // A large result goes back to a blob of this workflow, as the worker would have stored it.
      if (outputRef !== null && Buffer.byteLength(outputRef, 'utf8') > OUTPUT_INLINE_THRESHOLD)
        outputRef = await this.outputs.putOutput(rt.workflowId, d.task, outputRef);
      this.stats.cache_hits++;
      const source = formatCacheSource(entry.source);
      this.logger.info({ ...log, key, source }, `cache hit: ${d.task} completed from ${source}`);
      return { outputRef, source };
    } catch (err) {
      this.stats.cache_misses++;
      this.logger.warn({ ...log, err }, 'cache lookup failed; running the task');
      return null;
    }
  }

  /**
   * Record the output of a completed attempt (call after a successful completion was applied). Runs in
   * the background: losing a write only loses a future hit.
   */
  record(rt: Runtime, task: string, attempt: number): void {
    const spec = this.specOf(rt, task);
    // Only the attempt that completed the task: a late success of a timed-out or superseded attempt
    // (ignored by the engine) must not be recorded, nor re-label the result of a later attempt.
    if (!spec || rt.taskState(task) !== 'completed' || rt.taskAttempt(task) !== attempt) return;
    if (rt.cachedFrom(task) !== null) return;
    const ref = rt.outputRef(task);
    const createdAt = new Date(this.now()).toISOString();
    const keyed = this.keyOf(rt, task, spec);
    const p = (async () => {
      const key = await keyed;
      const output =
        ref === null
          ? null
          : ref.startsWith('blob:')
            ? JSON.stringify(await this.outputs.fetchOutput(ref))
            : ref;
      await this.store.put({
        key,
        createdAt,
        source: { workflowId: rt.workflowId, task, attempt },
        output,
      });
      this.stats.cache_writes++;
      this.logger.debug({ workflowId: rt.workflowId, task, attempt, key }, 'cache entry recorded');
    })()
      .catch((err: unknown) =>
        this.logger.warn({ err, workflowId: rt.workflowId, task }, 'could not record the cache entry'),
      )
      .finally(() => this.writes.delete(p));
    this.writes.add(p);
  }

  /** Wait for every cache write in flight. */
  async drain(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }
}
