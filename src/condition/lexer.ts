/** Tokenizer for the condition language: Python expression tokens, nothing more. */
import { syntaxError } from './errors.js';

export type TokenKind = 'number' | 'string' | 'fstring' | 'name' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Operator/name text, or the decoded string value. */
  text: string;
  /** Numeric value for `number` tokens. */
  value: number;
  /** 1-based column where the token starts (for error messages). */
  col: number;
}

/** Longest operators first so `<=` wins over `<`. */
const OPERATORS = [
  '**',
  '//',
  '==',
  '!=',
  '<=',
  '>=',
  '<<',
  '>>',
  '->',
  ':=',
  '<',
  '>',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '.',
  ':',
  '+',
  '-',
  '*',
  '/',
  '%',
  '~',
  '&',
  '|',
  '^',
  '@',
  '=',
  ';',
];

const IDENT_START = /[A-Za-z_\u00C0-\uFFFF]/u;
const IDENT_PART = /[A-Za-z0-9_\u00C0-\uFFFF]/u;
const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
  '\n': '',
};

/** Split `src` into tokens; throws a `syntax` ConditionError on malformed input. */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f') {
      i++;
      continue;
    }
    const col = i + 1;
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const { value, end } = readNumber(src, i);
      tokens.push({ kind: 'number', text: src.slice(i, end), value, col });
      i = end;
      continue;
    }
    if (IDENT_START.test(ch)) {
      let end = i + 1;
      while (end < src.length && IDENT_PART.test(src[end])) end++;
      const word = src.slice(i, end);
      const quote = src[end];
      if ((quote === '"' || quote === "'") && /^[rRfFbBuU]{1,2}$/.test(word)) {
        const { value, end: strEnd } = readString(src, end, word.toLowerCase());
        const kind = word.toLowerCase().includes('f') ? 'fstring' : 'string';
        tokens.push({ kind, text: value, value: 0, col });
        i = strEnd;
        continue;
      }
      tokens.push({ kind: 'name', text: word, value: 0, col });
      i = end;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const { value, end } = readString(src, i, '');
      tokens.push({ kind: 'string', text: value, value: 0, col });
      i = end;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw syntaxError(`invalid character ${JSON.stringify(ch)} at column ${col}`);
    tokens.push({ kind: 'op', text: op, value: 0, col });
    i += op.length;
  }
  tokens.push({ kind: 'eof', text: '', value: 0, col: src.length + 1 });
  return tokens;
}

function readNumber(src: string, start: number): { value: number; end: number } {
  const rest = src.slice(start);
  const radix = /^0([xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+)/.exec(rest);
  let text: string;
  let value: number;
  if (radix) {
    text = radix[0];
    const base = { x: 16, o: 8, b: 2 }[text[1].toLowerCase() as 'x' | 'o' | 'b'];
    value = parseInt(text.slice(2).replace(/_/g, ''), base);
  } else {
    const m = /^(?:[0-9](?:_?[0-9])*)?(?:\.(?:[0-9](?:_?[0-9])*)?)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?/.exec(
      rest,
    );
    text = m ? m[0] : '';
    if (/^0[0-9]/.test(text) && !/[.eE]/.test(text) && /[1-9]/.test(text)) {
      throw syntaxError(`leading zeros in decimal integer literals are not permitted at column ${start + 1}`);
    }
    value = Number(text.replace(/_/g, ''));
  }
  const end = start + text.length;
  if (!text || Number.isNaN(value) || IDENT_PART.test(src[end] ?? '')) {
    throw syntaxError(`invalid number literal at column ${start + 1}`);
  }
  return { value, end };
}

function readString(src: string, quoteAt: number, prefix: string): { value: string; end: number } {
  const quote = src[quoteAt];
  const triple = src.startsWith(quote.repeat(3), quoteAt);
  const delim = triple ? quote.repeat(3) : quote;
  const raw = prefix.includes('r');
  let i = quoteAt + delim.length;
  let out = '';
  while (i < src.length) {
    if (src.startsWith(delim, i)) return { value: out, end: i + delim.length };
    const ch = src[i];
    if (ch === '\n' && !triple) break;
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    if (raw) {
      out += ch + (src[i + 1] ?? '');
      i += 2;
      continue;
    }
    const { text, len } = readEscape(src, i + 1);
    out += text;
    i += 1 + len;
  }
  throw syntaxError(`unterminated string literal at column ${quoteAt + 1}`);
}

function readEscape(src: string, at: number): { text: string; len: number } {
  const e = src[at] ?? '';
  if (e in SIMPLE_ESCAPES) return { text: SIMPLE_ESCAPES[e], len: 1 };
  const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
  if (hexLen > 0) {
    const hex = src.slice(at + 1, at + 1 + hexLen);
    const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === hexLen ? parseInt(hex, 16) : NaN;
    if (Number.isNaN(code) || code > 0x10ffff) throw syntaxError(`invalid \\${e} escape at column ${at}`);
    return { text: String.fromCodePoint(code), len: 1 + hexLen };
  }
  // Unknown escapes keep the backslash, as Python does.
  return { text: '\\' + e, len: e ? 1 : 0 };
}
