/**
 * Condition gates (reference §3.2/§3.6 with DECISIONS §4.4): inputs are the direct parents' decoded
 * outputs; `blob:` refs go through the caller's OutputResolver; errors become a skip with a reason.
 */
import { compileCondition, type CompiledCondition } from '../condition/index.js';
import type { OutputResolver } from './api.js';

export type ConditionOutcome =
  { kind: 'ready' } | { kind: 'skip'; reason: string; error: boolean } | { kind: 'need'; refs: string[] };

/** Decode an inline output ref: JSON text → value; text that is not JSON is passed through raw. */
export function decodeInlineRef(ref: string): unknown {
  try {
    return JSON.parse(ref) as unknown;
  } catch {
    return ref;
  }
}

/** Compiles each expression once per runtime (compileCondition also caches process-wide). */
export class ConditionCache {
  private readonly compiled = new Map<number, CompiledCondition | Error>();

  get(task: number, expr: string): CompiledCondition | Error {
    let c = this.compiled.get(task);
    if (c === undefined) {
      try {
        c = compileCondition(expr);
      } catch (err) {
        c = err instanceof Error ? err : new Error(String(err));
      }
      this.compiled.set(task, c);
    }
    return c;
  }
}

/**
 * Evaluate a candidate's condition. `parents` are `[name, outputRef]` pairs of its direct parents.
 * Returns `need` with the blob refs the resolver could not supply yet.
 */
export function evaluateCondition(
  compiled: CompiledCondition | Error,
  parents: readonly [string, string | null][],
  resolve: OutputResolver | undefined,
): ConditionOutcome {
  if (compiled instanceof Error)
    return { kind: 'skip', reason: `condition error: ${compiled.message}`, error: true };
  const inputs: Record<string, unknown> = {};
  let missing: string[] | null = null;
  for (const [name, ref] of parents) {
    if (ref === null) inputs[name] = null;
    else if (ref.startsWith('blob:')) {
      const r = resolve ? resolve(ref) : { ok: false as const };
      if (r.ok) inputs[name] = r.value;
      else if (r.error !== undefined)
        return { kind: 'skip', reason: `condition error: ${r.error}`, error: true };
      else (missing ??= []).push(ref);
    } else inputs[name] = decodeInlineRef(ref);
  }
  if (missing) return { kind: 'need', refs: missing };
  try {
    return compiled.evaluate(inputs)
      ? { kind: 'ready' }
      : { kind: 'skip', reason: 'condition false', error: false };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { kind: 'skip', reason: `condition error: ${message}`, error: true };
  }
}
