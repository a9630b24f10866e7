/** AST of a condition expression. `disallowed` nodes parse but fail the allow-list (reference §3.3). */

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is' | 'is not';

export type Node =
  | { type: 'const'; value: null | boolean | number | string }
  | { type: 'name'; id: string }
  | { type: 'attr'; object: Node; attr: string }
  | { type: 'subscript'; object: Node; index: Node }
  | { type: 'list'; items: Node[] }
  | { type: 'not'; operand: Node }
  | { type: 'bool'; op: 'and' | 'or'; values: Node[] }
  | { type: 'compare'; left: Node; ops: CompareOp[]; comparators: Node[] }
  | { type: 'call'; func: Node; args: Node[] }
  /** A construct Python parses but the language rejects; `pyType` is Python's AST node name. */
  | { type: 'disallowed'; pyType: string; children: Node[] };

/** Names that may appear bare (reference §3.3). */
export const ALLOWED_NAMES = new Set([
  'inputs',
  'true',
  'false',
  'null',
  'True',
  'False',
  'None',
  'all',
  'any',
  'almost_all',
  'count',
]);
export const AGGREGATES = ['all', 'almost_all', 'any', 'count'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
export const NAME_CONSTANTS: Record<string, null | boolean> = {
  true: true,
  True: true,
  false: false,
  False: false,
  null: null,
  None: null,
};

/** True when `key` is a glob pattern for `inputs[...]` (reference §3.4). */
export function isGlobKey(key: string): boolean {
  return key.includes('*') || key.includes('?') || key.includes('[');
}

/** If `node` is `inputs["<glob>"]`, the pattern; otherwise null. */
export function globPatternOf(node: Node): string | null {
  if (node.type !== 'subscript' || node.object.type !== 'name' || node.object.id !== 'inputs') return null;
  const idx = node.index;
  return idx.type === 'const' && typeof idx.value === 'string' && isGlobKey(idx.value) ? idx.value : null;
}

/** Direct child nodes, in source order. */
export function childrenOf(node: Node): Node[] {
  switch (node.type) {
    case 'const':
    case 'name':
      return [];
    case 'attr':
      return [node.object];
    case 'subscript':
      return [node.object, node.index];
    case 'list':
      return node.items;
    case 'not':
      return [node.operand];
    case 'bool':
      return node.values;
    case 'compare':
      return [node.left, ...node.comparators];
    case 'call':
      return [node.func, ...node.args];
    case 'disallowed':
      return node.children;
  }
}
