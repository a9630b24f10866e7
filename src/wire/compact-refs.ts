/**
 * Compact upstream refs `{s, i, n}` (reference §4.7): the `{parent → output_ref}` map a task message
 * carries so the worker need not read the workflow state.
 */
import { canonicalOutputRef } from './names.js';

/** Wire form of `__upstream_outputs_compact`; a section is omitted when empty. */
export interface CompactRefs {
  /** Parents whose ref is the canonical `blob:<wf>/<parent>.json`. */
  s?: string[];
  /** Parents with any other ref (inline JSON text, non-canonical blob ref). */
  i?: Record<string, string>;
  /** Parents with no output (ref null). */
  n?: string[];
}

export const COMPACT_REFS_KWARG = '__upstream_outputs_compact';
export const LEGACY_REFS_KWARG = '__upstream_output_refs';

/**
 * Encode `[parent, ref]` pairs in the compact form, or null when there is nothing to encode (the kwarg is
 * then omitted). Order of parents is preserved within each section.
 */
export function encodeCompactRefs(workflowId: string, refs: [string, string | null][]): CompactRefs | null {
  const s: string[] = [];
  const n: string[] = [];
  let i: Record<string, string> | null = null;
  for (const [parent, ref] of refs) {
    if (ref === null) n.push(parent);
    else if (ref === canonicalOutputRef(workflowId, parent)) s.push(parent);
    else (i ??= {})[parent] = ref;
  }
  if (s.length === 0 && n.length === 0 && i === null) return null;
  const out: CompactRefs = {};
  if (s.length) out.s = s;
  if (i) out.i = i;
  if (n.length) out.n = n;
  return out;
}

/**
 * Decode the compact form back to `{parent → ref}`. Tolerant: malformed sections and non-string entries
 * are ignored rather than thrown, so a hostile message cannot crash a worker (it becomes "parent absent").
 */
export function decodeCompactRefs(workflowId: string, compact: unknown): Record<string, string | null> {
  const out: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
  if (typeof compact !== 'object' || compact === null || Array.isArray(compact)) return { ...out };
  const c = compact as Record<string, unknown>;
  if (Array.isArray(c.s)) {
    for (const p of c.s) if (typeof p === 'string') out[p] = canonicalOutputRef(workflowId, p);
  }
  if (typeof c.i === 'object' && c.i !== null && !Array.isArray(c.i)) {
    for (const [p, ref] of Object.entries(c.i as Record<string, unknown>))
      if (typeof ref === 'string') out[p] = ref;
  }
  if (Array.isArray(c.n)) {
    for (const p of c.n) if (typeof p === 'string') out[p] = null;
  }
  return { ...out };
}

/** Decode the legacy uncompressed `__upstream_output_refs` mapping (string or null values only). */
export function decodeLegacyRefs(legacy: unknown): Record<string, string | null> | null {
  if (typeof legacy !== 'object' || legacy === null || Array.isArray(legacy)) return null;
  const out: Record<string, string | null> = {};
  for (const [p, ref] of Object.entries(legacy as Record<string, unknown>)) {
    if (typeof ref === 'string' || ref === null) out[p] = ref;
  }
  return out;
}
