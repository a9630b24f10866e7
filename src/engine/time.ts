/**
 * Timestamps in the v1 documents: ISO-8601 UTC with an explicit `+00:00` offset, which Python's
 * `datetime.fromisoformat` accepts on every version (a trailing `Z` only from 3.11). Per-task times are
 * held and written with whole-second precision (a smaller state blob); workflow times keep milliseconds.
 */

/** `2026-11-25T22:30:00.123+00:00` */
export function isoMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23) + '+00:00';
}

/** `2026-11-25T22:30:00+00:00` from epoch seconds. */
export function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19) + '+00:00';
}

const HAS_ZONE = /(Z|[+-]\d\d:?\d\d)$/i;

/** Parse an ISO timestamp (any fraction length; no offset means UTC) to epoch ms, or NaN. */
export function parseIsoMs(s: string | null | undefined): number {
  if (typeof s !== 'string' || s.length === 0) return NaN;
  return Date.parse(HAS_ZONE.test(s) ? s : s + 'Z');
}

/** Epoch seconds (0 = null) of an ISO timestamp; unparseable or missing → 0. */
export function parseIsoSeconds(s: string | null | undefined): number {
  const ms = parseIsoMs(s);
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
}
