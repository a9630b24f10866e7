/** Shell-style glob matching with Python `fnmatch.fnmatchcase` semantics (`*`, `?`, `[seq]`, `[!seq]`). */

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/** Compile a glob pattern into an anchored RegExp (case-sensitive, `*` also matches `/`). */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i++];
    if (ch === '*') {
      re += '.*';
    } else if (ch === '?') {
      re += '.';
    } else if (ch === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      re += charClass(pattern.slice(i, end));
      i = end + 1;
    } else {
      re += ch.replace(REGEX_SPECIAL, '\\$&');
    }
  }
  return new RegExp(`^(?:${re})$`, 'su');
}

/** Index of the `]` closing a class that starts at `start` (after `[`), or -1 if unclosed. */
function classEnd(pattern: string, start: number): number {
  let j = start;
  if (pattern[j] === '!') j++;
  if (pattern[j] === ']') j++;
  while (j < pattern.length && pattern[j] !== ']') j++;
  return j < pattern.length ? j : -1;
}

/** A `[...]` class as a RegExp class; every character is written as `\u{..}` so none is special. */
function charClass(body: string): string {
  const negate = body.startsWith('!');
  const chars = Array.from(negate ? body.slice(1) : body);
  let out = '';
  for (let k = 0; k < chars.length; k++) {
    const lo = chars[k].codePointAt(0) as number;
    if (chars[k + 1] === '-' && k + 2 < chars.length) {
      const hi = chars[k + 2].codePointAt(0) as number;
      // Python drops empty ranges such as [z-a] instead of failing.
      if (lo <= hi) out += `${cp(lo)}-${cp(hi)}`;
      k += 2;
    } else {
      out += cp(lo);
    }
  }
  if (out === '') return negate ? '.' : '(?!)';
  return `[${negate ? '^' : ''}${out}]`;
}

const cp = (code: number): string => `\\u{${code.toString(16)}}`;
