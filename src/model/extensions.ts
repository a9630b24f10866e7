/**
 * jobq-only definition fields (DECISIONS §4.17): memoized tasks (`cache`), mutexes and semaphores
 * across workflows, and the idempotency key of a submit. They are parsed here, validated at submit,
 * and stored under one extra top-level key (`jobq`) of the definition blob, which the reference's
 * readers never look at, so the v1 keys stay exactly as the reference writes them.
 */
import { DefinitionError } from '../errors.js';
import { pyRepr } from '../condition/errors.js';

/** Key of the extension object in the stored definition and state documents. */
export const EXTENSION_DOC_KEY = 'jobq';

/** A task's `cache` field in normalized form (`cache: true` is all nulls). */
export interface CacheSpec {
  /** Explicit key template with `{inputs.X.y}` references; null = content hash of kwargs + inputs. */
  key: string | null;
  /** Entries older than this are ignored; null = no expiry. */
  ttl_s: number | null;
  /** Mixed into the key, so bumping it invalidates earlier results. */
  version: string | null;
}

/** The jobq-only fields of one task (only the ones it sets). */
export interface TaskExtension {
  cache?: CacheSpec;
  mutex?: string;
  semaphore?: string;
}

/** The `jobq` object of a stored definition document. */
export interface DefinitionExtension {
  /** Per task, only tasks that use an extension. */
  tasks?: Record<string, TaskExtension>;
  idempotency_key?: string;
  /** sha256 of the canonical submitted definition (idempotent submit compares it). */
  definition_sha256?: string;
  /** `submit --no-cache`: never serve this workflow's tasks from the cache (results are still recorded). */
  no_cache?: boolean;
}

/** Mutex and semaphore names: short, and safe as a Table PartitionKey and in log lines. */
const LOCK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/;
const MAX_IDEMPOTENCY_KEY_LENGTH = 512;
const MAX_CACHE_TEMPLATE_LENGTH = 1024;

/** Why `name` is not a valid mutex/semaphore name, or null. */
export function lockNameProblem(name: string): string | null {
  return LOCK_NAME.test(name)
    ? null
    : `${pyRepr(name)} is not a valid lock name: use 1-63 letters, digits, '_', '.', ':' or '-', starting with a letter or digit`;
}

function fail(where: string, msg: string): never {
  throw new DefinitionError(`${where}: ${msg}`);
}

/** Parse a task's `cache` value (`true`, `false`/absent, or a mapping). */
export function parseCacheField(v: unknown, where: string): CacheSpec | undefined {
  if (v === undefined || v === null || v === false) return undefined;
  if (v === true) return { key: null, ttl_s: null, version: null };
  if (typeof v !== 'object' || Array.isArray(v))
    fail(where, "'cache' must be true or a mapping with key, ttl_s, version");
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => k !== 'key' && k !== 'ttl_s' && k !== 'version');
  if (unknown.length) fail(where, `unknown cache fields: ${unknown.map(pyRepr).join(', ')}`);
  const key = o.key ?? null;
  if (key !== null && (typeof key !== 'string' || key.trim() === ''))
    fail(where, "'cache.key' must be a non-empty string");
  if (typeof key === 'string' && key.length > MAX_CACHE_TEMPLATE_LENGTH)
    fail(where, `'cache.key' is longer than ${MAX_CACHE_TEMPLATE_LENGTH} characters`);
  const ttl = o.ttl_s ?? null;
  if (ttl !== null && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1))
    fail(where, `'cache.ttl_s' must be a positive integer (seconds), got ${JSON.stringify(ttl)}`);
  const version = o.version ?? null;
  if (version !== null && typeof version !== 'string' && typeof version !== 'number')
    fail(where, "'cache.version' must be a string");
  return {
    key: key as string | null,
    ttl_s: ttl as number | null,
    version: version === null ? null : String(version),
  };
}

/** Parse a task's `mutex` / `semaphore` value. */
export function parseLockField(v: unknown, field: 'mutex' | 'semaphore', where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(where, `'${field}' must be a string (a lock name)`);
  const problem = lockNameProblem(v as string);
  if (problem) fail(where, `'${field}': ${problem}`);
  return v as string;
}

/** Parse the top-level `idempotency_key`. */
export function parseIdempotencyKey(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.trim() === '') fail(where, "'idempotency_key' must be a non-empty string");
  return checkIdempotencyKey(v as string, (m) => fail(where, m));
}

/** Shared length/character check for the field and `--idempotency-key`. */
export function checkIdempotencyKey(key: string, onError: (msg: string) => never): string {
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    onError(
      `the idempotency key is ${key.length} characters long; the limit is ${MAX_IDEMPOTENCY_KEY_LENGTH}`,
    );
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(key)) onError('the idempotency key must not contain control characters');
  return key;
}

/** `{inputs.X.y}` references of a cache key template, as condition-language expressions. */
export function cacheKeyReferences(template: string): string[] {
  const refs: string[] = [];
  for (const m of template.matchAll(/\{([^{}]*)\}/g)) refs.push(m[1].trim());
  return refs;
}

/** The fields of a definition that belong in the stored `jobq` object (null when none is used). */
export function definitionExtensionOf(
  def: {
    tasks: readonly ({ name: string } & TaskExtension)[];
    idempotency_key?: string;
  },
  extra: Omit<DefinitionExtension, 'tasks' | 'idempotency_key'> = {},
): DefinitionExtension | null {
  const tasks: Record<string, TaskExtension> = {};
  let any = false;
  for (const t of def.tasks) {
    if (t.cache === undefined && t.mutex === undefined && t.semaphore === undefined) continue;
    const e: TaskExtension = {};
    if (t.cache !== undefined) e.cache = t.cache;
    if (t.mutex !== undefined) e.mutex = t.mutex;
    if (t.semaphore !== undefined) e.semaphore = t.semaphore;
    tasks[t.name] = e;
    any = true;
  }
  const ext: DefinitionExtension = {};
  if (any) ext.tasks = tasks;
  if (def.idempotency_key !== undefined) ext.idempotency_key = def.idempotency_key;
  if (extra.definition_sha256 !== undefined) ext.definition_sha256 = extra.definition_sha256;
  if (extra.no_cache) ext.no_cache = true;
  return Object.keys(ext).length > 0 ? ext : null;
}

/** The lock a task takes, if any. */
export function taskLockOf(e: TaskExtension | null): { kind: 'mutex' | 'semaphore'; name: string } | null {
  if (e?.mutex) return { kind: 'mutex', name: e.mutex };
  if (e?.semaphore) return { kind: 'semaphore', name: e.semaphore };
  return null;
}
