/** Compiles a checked AST into closures: parse once, evaluate thousands of times without re-walking the tree. */
import { AGGREGATES, NAME_CONSTANTS, globPatternOf, type CompareOp, type Node } from './ast.js';
import { firstGlob } from './check.js';
import { ConditionError } from './errors.js';
import { globToRegExp } from './glob.js';
import {
  getAttribute,
  getItem,
  pyCompare,
  pyContains,
  pyEquals,
  pyTypeName,
  truthy,
  type Value,
} from './values.js';

/** The concrete input key an enclosing aggregate substitutes for a glob pattern. */
interface Binding {
  readonly pattern: string;
  readonly key: string;
  readonly parent: Binding | null;
}

export interface EvalContext {
  readonly inputs: Record<string, unknown>;
  readonly binding: Binding | null;
}

export type Evaluator = (ctx: EvalContext) => Value;

const AGGREGATE_SET = new Set<string>(AGGREGATES);

/** Turn an allow-listed AST into an evaluator closure. */
export function compileNode(node: Node): Evaluator {
  switch (node.type) {
    case 'const': {
      const value = node.value;
      return () => value;
    }
    case 'name':
      return compileName(node.id);
    case 'attr': {
      const object = compileNode(node.object);
      const attr = node.attr;
      return (ctx) => getAttribute(object(ctx), attr);
    }
    case 'subscript':
      return compileSubscript(node);
    case 'list': {
      const items = node.items.map(compileNode);
      return (ctx) => items.map((item) => item(ctx));
    }
    case 'not': {
      const operand = compileNode(node.operand);
      return (ctx) => !truthy(operand(ctx));
    }
    case 'bool':
      return compileBool(node.op, node.values.map(compileNode));
    case 'compare':
      return compileCompare(node);
    case 'call':
      return compileAggregate(node);
    case 'disallowed':
      throw new ConditionError('validation', `Disallowed expression element: ${node.pyType}`);
  }
}

function compileName(id: string): Evaluator {
  if (id === 'inputs') return (ctx) => ctx.inputs;
  if (Object.hasOwn(NAME_CONSTANTS, id)) {
    const value = NAME_CONSTANTS[id];
    return () => value;
  }
  if (AGGREGATE_SET.has(id)) {
    throw new ConditionError(
      'validation',
      `'${id}' is an aggregate function; call it, e.g. ${id}(inputs["*"].ok)`,
    );
  }
  throw new ConditionError('validation', `Unknown variable: '${id}'`);
}

function compileSubscript(node: Extract<Node, { type: 'subscript' }>): Evaluator {
  const pattern = globPatternOf(node);
  if (pattern !== null) {
    return (ctx) => {
      for (let b = ctx.binding; b !== null; b = b.parent) {
        if (b.pattern === pattern) return getItem(ctx.inputs, b.key);
      }
      return getItem(ctx.inputs, pattern);
    };
  }
  const object = compileNode(node.object);
  const index = compileNode(node.index);
  return (ctx) => getItem(object(ctx), index(ctx));
}

function compileBool(op: 'and' | 'or', values: Evaluator[]): Evaluator {
  const stopOn = op === 'or';
  return (ctx) => {
    for (const value of values) {
      if (truthy(value(ctx)) === stopOn) return stopOn;
    }
    return !stopOn;
  };
}

const COMPARE: Record<CompareOp, (a: Value, b: Value) => boolean> = {
  '==': (a, b) => pyEquals(a, b),
  '!=': (a, b) => !pyEquals(a, b),
  '<': (a, b) => pyCompare(a, b, '<') < 0,
  '<=': (a, b) => pyCompare(a, b, '<=') <= 0,
  '>': (a, b) => pyCompare(a, b, '>') > 0,
  '>=': (a, b) => pyCompare(a, b, '>=') >= 0,
  in: (a, b) => pyContains(b, a),
  'not in': (a, b) => !pyContains(b, a),
  // Rejected by the allow-list; present so the table is total.
  is: (a, b) => a === b,
  'is not': (a, b) => a !== b,
};

/** Chained comparisons: `a < b < c` is `a < b and b < c`, each operand evaluated at most once. */
function compileCompare(node: Extract<Node, { type: 'compare' }>): Evaluator {
  const left = compileNode(node.left);
  const ops = node.ops.map((op) => COMPARE[op]);
  const rights = node.comparators.map(compileNode);
  if (ops.length === 1) {
    const [op] = ops;
    const [right] = rights;
    return (ctx) => op(left(ctx), right(ctx));
  }
  return (ctx) => {
    let a = left(ctx);
    for (let i = 0; i < ops.length; i++) {
      const b = rights[i](ctx);
      if (!ops[i](a, b)) return false;
      a = b;
    }
    return true;
  };
}

/** `all`/`any`/`count`/`almost_all`: evaluate the argument once per input key matching its glob (sorted). */
function compileAggregate(node: Extract<Node, { type: 'call' }>): Evaluator {
  const fn = node.func.type === 'name' ? node.func.id : '';
  const pattern = firstGlob(node.args[0]);
  if (pattern === null || !AGGREGATE_SET.has(fn)) {
    throw new ConditionError('validation', `${fn}() requires a glob pattern like inputs["*"]`);
  }
  const regex = globToRegExp(pattern);
  const body = compileNode(node.args[0]);
  const maxFailures = fn === 'almost_all' ? compileNode(node.args[1]) : null;
  return (ctx) => {
    const keys = Object.keys(ctx.inputs)
      .filter((k) => regex.test(k))
      .sort();
    let hits = 0;
    for (const key of keys) {
      const binding: Binding = { pattern, key, parent: ctx.binding };
      if (truthy(body({ inputs: ctx.inputs, binding }))) hits++;
      else if (fn === 'all') return false;
      if (fn === 'any' && hits > 0) return true;
    }
    if (fn === 'all') return true;
    if (fn === 'any') return false;
    if (fn === 'count') return hits;
    return keys.length - hits <= maxFailuresOf(maxFailures as Evaluator, ctx);
  };
}

function maxFailuresOf(expr: Evaluator, ctx: EvalContext): number {
  const n = expr(ctx);
  if (typeof n !== 'number' && typeof n !== 'boolean') {
    throw new ConditionError(
      'evaluation',
      `almost_all() max_failures must be a number, not ${pyTypeName(n)}`,
    );
  }
  return Number(n);
}
