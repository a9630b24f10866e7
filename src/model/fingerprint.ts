/**
 * Content fingerprints: canonical JSON (object keys sorted, recursively) and its sha256. Used for the
 * idempotent submit's definition comparison and the workflow ID derived from an idempotency key.
 */
import { createHash } from 'node:crypto';

/** JSON text with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const o = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) {
    if (o[k] === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(o[k])}`);
  }
  return `{${parts.join(',')}}`;
}

/** Lowercase hex sha256 of UTF-8 text. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The workflow ID of an idempotency key: 32 hex characters (the shape of a generated ID), the same for
 * every submitter of the key, so the create-only definition write lets exactly one of them win.
 */
export function workflowIdForIdempotencyKey(key: string): string {
  return sha256Hex(`jobq-idempotency-key\n${key}`).slice(0, 32);
}
