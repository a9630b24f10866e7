/**
 * Cache keys of memoized tasks (pure; DECISIONS §4.17). `cache: true` keys a result by everything that
 * determines it: the task's name (its command sees it as JOBQ_WORKFLOW_TASK, so shards of one fan-out
 * with identical kwargs must not share a result), its kwargs in canonical form, each parent's output
 * *content* (decoded, so the same value stored inline or in a blob gives the same key) and the optional
 * version. An explicit `cache.key` template replaces all of these but the version by its rendered text
 * (`{inputs.X.y}` paths of the condition language): the user decides what is shared.
 */
import { compileCondition } from '../condition/index.js';
import type { CacheSpec } from '../model/extensions.js';
import { canonicalJson, sha256Hex } from '../model/fingerprint.js';

/** The key of a task: 64 hex characters. `inputs` maps each parent (real ancestor through merge nodes) to its decoded output. */
export function cacheKey(
  spec: CacheSpec,
  task: string,
  kwargsJson: string,
  inputs: Record<string, unknown>,
): string {
  if (spec.key !== null) {
    return sha256Hex(canonicalJson({ v: 1, key: renderCacheKey(spec.key, inputs), version: spec.version }));
  }
  const kwargs = JSON.parse(kwargsJson) as unknown;
  return sha256Hex(canonicalJson({ v: 2, task, kwargs, inputs, version: spec.version }));
}

/** Replace every `{expr}` by its value (strings as they are, anything else as canonical JSON). Throws ConditionError. */
export function renderCacheKey(template: string, inputs: Record<string, unknown>): string {
  return template.replace(/\{([^{}]*)\}/g, (_, expr: string) => {
    const v = compileCondition(expr.trim()).value(inputs);
    return typeof v === 'string' ? v : canonicalJson(v);
  });
}

/** Whether an entry recorded at `createdAt` is still within the TTL at `nowMs`. */
export function withinTtl(spec: CacheSpec, createdAt: string, nowMs: number): boolean {
  if (spec.ttl_s === null) return true;
  const t = Date.parse(createdAt);
  return Number.isFinite(t) && nowMs - t < spec.ttl_s * 1000;
}
