/**
 * Python value semantics over JSON data: truthiness, equality, ordering, membership and lookups.
 * Lookups only ever read own properties of plain objects and indices of arrays, so names such as
 * `__proto__` or `constructor` can never reach JavaScript internals.
 */
import { ConditionError } from './errors.js';

export type Value = unknown;

function evalError(message: string): ConditionError {
  return new ConditionError('evaluation', message);
}

/** A plain JSON-like mapping (object literal, JSON.parse output or null-prototype object). */
export function isMapping(v: Value): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Python's type name for error messages. */
export function pyTypeName(v: Value): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (isMapping(v)) return 'dict';
  return 'object';
}

/** Python truthiness. */
export function truthy(v: Value): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (typeof v === 'number') return !Number.isNaN(v);
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return true;
}

/** Numbers and booleans compare as numbers (Python's bool is an int). */
function asNumber(v: Value): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** Python `==`. */
export function pyEquals(a: Value, b: Value): boolean {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== null || nb !== null) return na !== null && nb !== null && na === nb;
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => pyEquals(x, b[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return a === b;
}

/** Python ordering (`<` etc.): numbers, strings and lists; anything else is a TypeError. */
export function pyCompare(a: Value, b: Value, op: string): number {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== null && nb !== null) return na < nb ? -1 : na > nb ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < a.length && i < b.length; i++) {
      if (!pyEquals(a[i], b[i])) return pyCompare(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  throw evalError(`'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

/** Python compares strings by code point, JavaScript by UTF-16 unit: they differ only past the BMP. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(i) as number;
    if (ca !== cb) return ca - cb;
  }
  return a.length - b.length;
}

/** Python `in`. */
export function pyContains(container: Value, item: Value): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string')
      throw evalError(`'in <string>' requires string as left operand, not ${pyTypeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (isMapping(container)) {
    if (Array.isArray(item) || isMapping(item)) throw evalError(`unhashable type: '${pyTypeName(item)}'`);
    return typeof item === 'string' && Object.hasOwn(container, item);
  }
  throw evalError(`argument of type '${pyTypeName(container)}' is not iterable`);
}

/** Attribute access: key lookup on mappings, null on null and on everything else. */
export function getAttribute(obj: Value, name: string): Value {
  if (isMapping(obj)) return Object.hasOwn(obj, name) ? (obj[name] ?? null) : null;
  return null;
}

/** Subscript: key lookup on mappings and null, Python indexing on lists and strings. */
export function getItem(obj: Value, key: Value): Value {
  if (obj === null || obj === undefined) return null;
  if (isMapping(obj)) {
    if (Array.isArray(key) || isMapping(key)) throw evalError(`unhashable type: '${pyTypeName(key)}'`);
    return typeof key === 'string' && Object.hasOwn(obj, key) ? (obj[key] ?? null) : null;
  }
  if (Array.isArray(obj) || typeof obj === 'string') {
    const kind = Array.isArray(obj) ? 'list' : 'string';
    const i = asNumber(key);
    if (i === null || !Number.isInteger(i)) {
      throw evalError(`${kind} indices must be integers or slices, not ${pyTypeName(key)}`);
    }
    const seq: readonly unknown[] = Array.isArray(obj) ? obj : Array.from(obj);
    const at = i < 0 ? seq.length + i : i;
    if (at < 0 || at >= seq.length) throw evalError(`${kind} index out of range`);
    return seq[at] ?? null;
  }
  throw evalError(`'${pyTypeName(obj)}' object is not subscriptable`);
}
