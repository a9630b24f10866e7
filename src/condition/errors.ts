/** Errors of the condition language: syntax and validation at compile time, evaluation at run time. */

export type ConditionErrorKind = 'syntax' | 'validation' | 'evaluation';

/** Raised by `compileCondition`/`validateCondition` (syntax, validation) and `evaluate` (evaluation). */
export class ConditionError extends Error {
  readonly kind: ConditionErrorKind;
  constructor(kind: ConditionErrorKind, message: string) {
    super(message);
    this.name = 'ConditionError';
    this.kind = kind;
  }
}

/** A syntax error with the reference's prefix (reference §3.3). */
export function syntaxError(detail: string): ConditionError {
  return new ConditionError('syntax', `Condition syntax error: ${detail}`);
}

/** Python-style `repr` of a string (single quotes unless the text contains one and no double quote). */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python-style list repr of strings: `['a', 'b']`. */
export function pyList(items: readonly string[]): string {
  return `[${items.map(pyRepr).join(', ')}]`;
}
