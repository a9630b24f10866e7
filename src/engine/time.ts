/**
 * Timestamps in the v1 documents: ISO-8601 UTC with an explicit `+00:00` offset, which Python's
 * `datetime.fromisoformat` accepts on every version (a trailing `Z` only from 3.11). Per-task times are
 * held and written with whole-second precision (a smaller state blob); workflow times keep milliseconds.
 */

/** `2026-11-25T22:30:00.123+00:00` */
export function isoMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23) + '+00:00';
}

/**
 * Direct-mapped cache of whole-second ISO strings. A state document repeats the same few seconds
 * thousands of times (tasks dispatched or completed together), and formatting through `Date` was the
 * hottest function of a flush.
 */
const ISO_CACHE_SIZE = 256;
const isoCacheKey = new Float64Array(ISO_CACHE_SIZE).fill(NaN);
const isoCacheText: string[] = new Array<string>(ISO_CACHE_SIZE).fill('');

/** `2026-11-25T22:30:00+00:00` from epoch seconds. */
export function isoSeconds(seconds: number): string {
  const slot = (seconds >>> 0) & (ISO_CACHE_SIZE - 1);
  if (isoCacheKey[slot] === seconds) return isoCacheText[slot];
  const text = new Date(seconds * 1000).toISOString().slice(0, 19) + '+00:00';
  isoCacheKey[slot] = seconds;
  isoCacheText[slot] = text;
  return text;
}

const HAS_ZONE = /(Z|[+-]\d\d:?\d\d)$/i;

/** Parse an ISO timestamp (any fraction length; no offset means UTC) to epoch ms, or NaN. */
export function parseIsoMs(s: string | null | undefined): number {
  if (typeof s !== 'string' || s.length === 0) return NaN;
  return Date.parse(HAS_ZONE.test(s) ? s : s + 'Z');
}

let lastParsedText = '';
let lastParsedSeconds = 0;

/** Epoch seconds (0 = null) of an ISO timestamp; unparseable or missing → 0. */
export function parseIsoSeconds(s: string | null | undefined): number {
  // Loading a state document parses the same timestamp for many tasks in a row.
  if (s === lastParsedText && s !== '') return lastParsedSeconds;
  const ms = parseIsoMs(s);
  const seconds = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  if (typeof s === 'string') {
    lastParsedText = s;
    lastParsedSeconds = seconds;
  }
  return seconds;
}
