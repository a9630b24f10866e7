/**
 * Recursive-descent parser with Python's precedence. Constructs outside the language (arithmetic,
 * lambdas, comprehensions, ...) still parse into `disallowed` nodes so the user gets the reference's
 * "Disallowed expression element" message rather than a vague syntax error.
 */
import type { CompareOp, Node } from './ast.js';
import { ConditionError, syntaxError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/** Deeper nesting than this is refused (keeps the parser and evaluator off the stack limit). */
const MAX_DEPTH = 100;
const MAX_SOURCE_LENGTH = 65_536;
const RESERVED = new Set([
  'and',
  'or',
  'not',
  'in',
  'is',
  'if',
  'else',
  'for',
  'lambda',
  'await',
  'yield',
  'import',
  'from',
  'def',
  'class',
  'return',
  'pass',
  'del',
  'global',
  'nonlocal',
  'while',
  'with',
  'as',
  'try',
  'except',
  'finally',
  'raise',
  'assert',
  'break',
  'continue',
  'elif',
  'async',
]);
const BINARY_LEVELS: string[][] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '//', '%', '@']];
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

/** Parse a condition (after the `inputs.*` rewrite) into an AST. Throws ConditionError (`syntax`). */
export function parseExpression(src: string): Node {
  if (src.length > MAX_SOURCE_LENGTH)
    throw syntaxError(`expression longer than ${MAX_SOURCE_LENGTH} characters`);
  if (src.trim() === '') throw syntaxError('empty expression');
  const p = new Parser(tokenize(src));
  const node = p.expression();
  p.expectEnd();
  return node;
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }
  private isOp(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'op' && t.text === text;
  }
  private isWord(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'name' && t.text === text;
  }
  private next(): Token {
    return this.tokens[this.pos++];
  }
  private expectOp(text: string): void {
    if (!this.isOp(text)) throw this.unexpected(`expected '${text}'`);
    this.pos++;
  }
  private unexpected(hint?: string): ConditionError {
    const t = this.peek();
    const what =
      t.kind === 'eof'
        ? 'unexpected end of expression'
        : `unexpected ${JSON.stringify(t.text)} at column ${t.col}`;
    return syntaxError(hint ? `${what} (${hint})` : what);
  }
  private nest<T>(fn: () => T): T {
    if (++this.depth > MAX_DEPTH) throw syntaxError(`expression nested more than ${MAX_DEPTH} levels deep`);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  expectEnd(): void {
    if (this.peek().kind !== 'eof') throw this.unexpected();
  }

  /** expression := lambda | or_expr ['if' or_expr 'else' expression] */
  expression(): Node {
    return this.nest(() => {
      if (this.isWord('lambda')) return this.lambda();
      const body = this.orExpr();
      if (!this.isWord('if')) return body;
      this.pos++;
      const test = this.orExpr();
      if (!this.isWord('else')) throw this.unexpected("expected 'else'");
      this.pos++;
      return { type: 'disallowed', pyType: 'IfExp', children: [body, test, this.expression()] };
    });
  }

  private lambda(): Node {
    this.pos++;
    while (!this.isOp(':')) {
      if (this.peek().kind === 'eof') throw this.unexpected("expected ':'");
      this.pos++;
    }
    this.pos++;
    return { type: 'disallowed', pyType: 'Lambda', children: [this.expression()] };
  }

  private orExpr(): Node {
    return this.boolChain('or', () => this.andExpr());
  }
  private andExpr(): Node {
    return this.boolChain('and', () => this.notExpr());
  }
  private boolChain(op: 'and' | 'or', operand: () => Node): Node {
    const first = operand();
    if (!this.isWord(op)) return first;
    const values = [first];
    while (this.isWord(op)) {
      this.pos++;
      values.push(operand());
    }
    return { type: 'bool', op, values };
  }

  private notExpr(): Node {
    if (!this.isWord('not')) return this.comparison();
    this.pos++;
    return this.nest(() => ({ type: 'not', operand: this.notExpr() }));
  }

  private comparison(): Node {
    const left = this.binary(0);
    const ops: CompareOp[] = [];
    const comparators: Node[] = [];
    for (let op = this.compareOp(); op; op = this.compareOp()) {
      ops.push(op);
      comparators.push(this.binary(0));
    }
    return ops.length === 0 ? left : { type: 'compare', left, ops, comparators };
  }

  private compareOp(): CompareOp | null {
    const t = this.peek();
    if (t.kind === 'op' && COMPARE_OPS.has(t.text)) {
      this.pos++;
      return t.text as CompareOp;
    }
    if (this.isWord('in')) {
      this.pos++;
      return 'in';
    }
    if (this.isWord('not') && this.isWord('in', 1)) {
      this.pos += 2;
      return 'not in';
    }
    if (this.isWord('is')) {
      this.pos++;
      if (!this.isWord('not')) return 'is';
      this.pos++;
      return 'is not';
    }
    return null;
  }

  /** Arithmetic and bitwise operators: parsed (Python precedence) only to be rejected as BinOp. */
  private binary(level: number): Node {
    if (level >= BINARY_LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    while (this.peek().kind === 'op' && BINARY_LEVELS[level].includes(this.peek().text)) {
      this.pos++;
      left = { type: 'disallowed', pyType: 'BinOp', children: [left, this.binary(level + 1)] };
    }
    return left;
  }

  /** Unary minus on a number literal is a negative constant (DECISIONS §4.4); other unary ops are rejected. */
  private unary(): Node {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '~')) {
      this.pos++;
      return this.nest(() => {
        const operand = this.unary();
        if (t.text === '-' && operand.type === 'const' && typeof operand.value === 'number') {
          return { type: 'const', value: -operand.value };
        }
        return { type: 'disallowed', pyType: 'UnaryOp', children: [operand] };
      });
    }
    return this.power();
  }

  private power(): Node {
    const base = this.postfix();
    if (!this.isOp('**')) return base;
    this.pos++;
    return { type: 'disallowed', pyType: 'BinOp', children: [base, this.unary()] };
  }

  private postfix(): Node {
    let node = this.atom();
    for (;;) {
      if (this.isOp('.')) {
        this.pos++;
        const t = this.next();
        if (t.kind !== 'name' || RESERVED.has(t.text)) {
          this.pos--;
          throw this.unexpected('expected an attribute name');
        }
        node = { type: 'attr', object: node, attr: t.text };
      } else if (this.isOp('[')) {
        this.pos++;
        const index = this.nest(() => this.subscriptIndex());
        this.expectOp(']');
        node = { type: 'subscript', object: node, index };
      } else if (this.isOp('(')) {
        this.pos++;
        node = { type: 'call', func: node, args: this.nest(() => this.callArgs()) };
      } else {
        return node;
      }
    }
  }

  private subscriptIndex(): Node {
    if (this.isOp(':') || this.isOp(']')) throw this.unexpected('slices are not supported');
    const first = this.expression();
    if (this.isOp(':')) {
      while (!this.isOp(']') && this.peek().kind !== 'eof') this.pos++;
      return { type: 'disallowed', pyType: 'Slice', children: [first] };
    }
    if (!this.isOp(',')) return first;
    const items = this.commaTail(first, ']');
    return { type: 'list', items };
  }

  private callArgs(): Node[] {
    const args: Node[] = [];
    while (!this.isOp(')')) {
      if (this.peek().kind === 'name' && this.isOp('=', 1)) {
        this.pos += 2;
        args.push({ type: 'disallowed', pyType: 'keyword', children: [this.expression()] });
      } else if (this.isOp('*') || this.isOp('**')) {
        this.pos++;
        args.push({ type: 'disallowed', pyType: 'Starred', children: [this.expression()] });
      } else {
        const arg = this.expression();
        if (this.isWord('for')) return [this.comprehension('GeneratorExp', arg, ')')];
        args.push(arg);
      }
      if (!this.isOp(',')) break;
      this.pos++;
    }
    this.expectOp(')');
    return args;
  }

  /** After `first` and a comma: the remaining comma-separated items up to (not including) `close`. */
  private commaTail(first: Node, close: string): Node[] {
    const items = [first];
    while (this.isOp(',')) {
      this.pos++;
      if (this.isOp(close)) break;
      items.push(this.expression());
    }
    return items;
  }

  private atom(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        return { type: 'const', value: t.value };
      case 'string':
        return this.stringConcat(t.text);
      case 'fstring':
        return { type: 'disallowed', pyType: 'JoinedStr', children: [] };
      case 'name':
        if (RESERVED.has(t.text)) {
          this.pos--;
          throw this.unexpected();
        }
        return { type: 'name', id: t.text };
      case 'op':
        return this.bracketAtom(t);
      default:
        this.pos--;
        throw this.unexpected();
    }
  }

  /** Adjacent string literals concatenate, as in Python. */
  private stringConcat(first: string): Node {
    let value = first;
    while (this.peek().kind === 'string') value += this.next().text;
    return { type: 'const', value };
  }

  private bracketAtom(t: Token): Node {
    if (t.text === '(') {
      return this.nest(() => {
        if (this.isOp(')')) {
          this.pos++;
          return { type: 'list', items: [] };
        }
        const first = this.expression();
        if (this.isWord('for')) return this.comprehension('GeneratorExp', first, ')');
        if (!this.isOp(',')) {
          this.expectOp(')');
          return first;
        }
        const items = this.commaTail(first, ')');
        this.expectOp(')');
        return { type: 'list', items };
      });
    }
    if (t.text === '[') {
      return this.nest(() => {
        if (this.isOp(']')) {
          this.pos++;
          return { type: 'list', items: [] };
        }
        const first = this.expression();
        if (this.isWord('for')) return this.comprehension('ListComp', first, ']');
        const items = this.isOp(',') ? this.commaTail(first, ']') : [first];
        this.expectOp(']');
        return { type: 'list', items };
      });
    }
    if (t.text === '{') return this.nest(() => this.braces());
    this.pos--;
    throw this.unexpected();
  }

  private comprehension(pyType: string, element: Node, close: string): Node {
    let balance = 0;
    while (this.peek().kind !== 'eof' && !(balance === 0 && this.isOp(close))) {
      const text = this.next().text;
      if (text === '(' || text === '[' || text === '{') balance++;
      if (text === ')' || text === ']' || text === '}') balance--;
    }
    this.expectOp(close);
    return { type: 'disallowed', pyType, children: [element] };
  }

  /** `{...}`: dict or set displays are not in the language. */
  private braces(): Node {
    if (this.isOp('}')) {
      this.pos++;
      return { type: 'disallowed', pyType: 'Dict', children: [] };
    }
    const first = this.expression();
    const pyType = this.isOp(':') ? 'Dict' : 'Set';
    this.comprehension(pyType, first, '}');
    return { type: 'disallowed', pyType, children: [first] };
  }
}
