/** The allow-list (reference §3.3) and reference collection (reference §3.5) over a parsed AST. */
import { AGGREGATES, ALLOWED_NAMES, childrenOf, globPatternOf, isGlobKey, type Node } from './ast.js';
import { ConditionError } from './errors.js';

const AGGREGATE_SET = new Set<string>(AGGREGATES);
const ONLY_AGGREGATES = `Only aggregate functions are allowed: ['all', 'almost_all', 'any', 'count']`;

function invalid(message: string): ConditionError {
  return new ConditionError('validation', message);
}

/**
 * Reject every construct outside the language, in pre-order (outermost first); then check the shape of
 * aggregate calls (arguments, glob), so a disallowed argument is reported as such.
 */
export function checkAllowed(root: Node): void {
  const calls: Extract<Node, { type: 'call' }>[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    checkNode(node);
    if (node.type === 'call') calls.push(node);
    const kids = childrenOf(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  for (const call of calls) checkAggregateShape(call);
}

function checkNode(node: Node): void {
  switch (node.type) {
    case 'disallowed':
      throw invalid(`Disallowed expression element: ${node.pyType}`);
    case 'name':
      if (!ALLOWED_NAMES.has(node.id)) throw invalid(`Unknown variable: '${node.id}'`);
      return;
    case 'compare':
      for (const op of node.ops) {
        if (op === 'is' || op === 'is not')
          throw invalid(`Disallowed expression element: ${op === 'is' ? 'Is' : 'IsNot'}`);
      }
      return;
    case 'call':
      checkCall(node);
      return;
    default:
      return;
  }
}

function checkCall(node: Extract<Node, { type: 'call' }>): void {
  if (node.func.type !== 'name' || !AGGREGATE_SET.has(node.func.id)) throw invalid(ONLY_AGGREGATES);
}

function checkAggregateShape(node: Extract<Node, { type: 'call' }>): void {
  const fn = (node.func as Extract<Node, { type: 'name' }>).id;
  const expected = fn === 'almost_all' ? 2 : 1;
  if (fn === 'almost_all' && node.args.length === 1) {
    throw invalid('almost_all() requires a second argument: max_failures');
  }
  if (node.args.length !== expected) {
    throw invalid(
      `${fn}() takes exactly ${expected === 1 ? 'one argument' : 'two arguments'} (${node.args.length} given)`,
    );
  }
  if (firstGlob(node.args[0]) === null) throw invalid(`${fn}() requires a glob pattern like inputs["*"]`);
}

/** The first glob pattern subscript on `inputs` inside `node` (pre-order), or null. */
export function firstGlob(node: Node): string | null {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop() as Node;
    const pattern = globPatternOf(n);
    if (pattern !== null) return pattern;
    const kids = childrenOf(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return null;
}

/** Explicit task references (`inputs.X`, `inputs["X"]`) in first-seen order, and whether a glob appears. */
export function collectReferences(root: Node): { references: string[]; hasGlob: boolean } {
  const refs = new Set<string>();
  let hasGlob = false;
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop() as Node;
    if (n.type === 'attr' && n.object.type === 'name' && n.object.id === 'inputs') refs.add(n.attr);
    if (n.type === 'subscript' && n.object.type === 'name' && n.object.id === 'inputs') {
      const idx = n.index;
      if (idx.type === 'const' && typeof idx.value === 'string') {
        if (isGlobKey(idx.value)) hasGlob = true;
        else refs.add(idx.value);
      }
    }
    const kids = childrenOf(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return { references: [...refs], hasGlob };
}
