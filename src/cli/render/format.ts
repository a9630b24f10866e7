/** Small formatting helpers shared by the status, watch and run-local views. */

/** `eta Ns` (< 60 s), `eta X.Xm` (< 1 h), `eta X.Xh` (reference §7.4); null when no estimate. */
export function formatEta(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds) || seconds <= 0) return null;
  if (seconds < 60) return `eta ${Math.round(seconds)}s`;
  if (seconds < 3600) return `eta ${(seconds / 60).toFixed(1)}m`;
  return `eta ${(seconds / 3600).toFixed(1)}h`;
}

/**
 * Completions per second since the watch started, and the seconds left at that rate. Remaining
 * counts only tasks still to run (pending + running), unlike the reference which also counted failed
 * and skipped tasks as remaining.
 */
export function rateAndEta(
  completedAtStart: number,
  completedNow: number,
  elapsedS: number,
  remaining: number,
): { rate: number; etaS: number | null } {
  const rate = elapsedS > 0 ? Math.max(0, completedNow - completedAtStart) / elapsedS : 0;
  const etaS = rate > 0 && remaining > 0 ? remaining / rate : null;
  return { rate, etaS };
}

/** `12.3 completions/s`, with fewer decimals for large rates. */
export function formatRate(rate: number): string {
  const digits = rate >= 100 ? 0 : 1;
  return `${rate.toFixed(digits)} completions/s`;
}

/** `1m 05s`, `12s`, `2h 03m`. */
export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Age of an ISO timestamp relative to `now`, in whole minutes (null when unknown). */
export function ageMinutes(iso: string | null | undefined, now: number): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  return Math.max(0, Math.floor((now - t) / 60_000));
}

/** `1 task` / `2 tasks`. */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

/** Cut `text` to `max` characters, ending with `…` when cut. */
export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, Math.max(0, max - 1))}…`;
}

export { listWithMore } from '../../client/text.js';
