/**
 * The condition language (reference §3): a lexer, a recursive-descent parser, an allow-list check and
 * a closure compiler. No `eval`, no `Function`; lookups read only own properties of plain data.
 */
import { parseExpression } from './parser.js';
import { checkAllowed, collectReferences } from './check.js';
import { compileNode } from './compile.js';
import { ConditionError, pyList } from './errors.js';

export { ConditionError, type ConditionErrorKind } from './errors.js';
export { globToRegExp } from './glob.js';

/** A compiled condition: immutable, safe to share and to evaluate concurrently. */
export interface CompiledCondition {
  /** The expression as written. */
  readonly source: string;
  /** Explicit task names referenced (`inputs.X`, `inputs["X"]`), in first-seen order. */
  readonly references: string[];
  /** True if the expression uses a glob subscript such as `inputs["train-*"]`. */
  readonly hasGlob: boolean;
  /**
   * Evaluate against `{parent name → parent output}`. Returns the truthiness of the result; throws
   * ConditionError of kind `evaluation` on a runtime error (e.g. `None < 0.1`).
   */
  evaluate(inputs: Record<string, unknown>): boolean;
  /** The expression's value (not its truthiness), e.g. for a cache key's `{inputs.X.y}`. Throws like evaluate. */
  value(inputs: Record<string, unknown>): unknown;
}

const CACHE_LIMIT = 2048;
const cache = new Map<string, CompiledCondition>();

/**
 * Compile `expr` once. Throws ConditionError `syntax` (`Condition syntax error: ...`) or
 * `validation` (`Disallowed expression element: ...`, `Unknown variable: ...`, ...).
 */
export function compileCondition(expr: string): CompiledCondition {
  const hit = cache.get(expr);
  if (hit) return hit;
  // Reference §3.3: the `inputs.*` shorthand is a textual rewrite before parsing.
  const ast = parseExpression(expr.replaceAll('inputs.*', 'inputs["*"]'));
  checkAllowed(ast);
  const { references, hasGlob } = collectReferences(ast);
  const evaluator = compileNode(ast);
  const compiled: CompiledCondition = Object.freeze({
    source: expr,
    references,
    hasGlob,
    evaluate(inputs: Record<string, unknown>): boolean {
      return Boolean(this.value(inputs));
    },
    value(inputs: Record<string, unknown>): unknown {
      try {
        return evaluator({ inputs, binding: null });
      } catch (err) {
        if (err instanceof ConditionError) throw err;
        // e.g. RangeError from comparing absurdly deep data: still an evaluation error, never a crash.
        throw new ConditionError('evaluation', err instanceof Error ? err.message : String(err));
      }
    },
  });
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(expr, compiled);
  return compiled;
}

/**
 * Submit-time validation (reference §3.5): compiles `expr` and checks that every explicit reference is a
 * dependency and that at least one input is referenced. Throws ConditionError.
 */
export function validateCondition(expr: string, dependsOn: readonly string[]): void {
  const { references, hasGlob } = compileCondition(expr);
  const deps = new Set(dependsOn);
  const missing = references.filter((r) => !deps.has(r)).sort();
  if (missing.length > 0) {
    throw new ConditionError(
      'validation',
      `Condition references tasks not in depends_on: ${pyList(missing)}`,
    );
  }
  if (references.length === 0 && !hasGlob) {
    throw new ConditionError(
      'validation',
      'Condition must reference at least one input (inputs.task_name.field)',
    );
  }
}
