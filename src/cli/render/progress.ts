/** Progress bars drawn with block characters and picocolors (no hand-written escape codes). */
import type { Colors } from './colors.js';

export interface BarCounts {
  total: number;
  completed: number;
  failed: number;
  running: number;
  skipped: number;
}

/**
 * A `width`-character bar: green completed, red failed, magenta skipped, cyan running, dim pending
 * (reference §7.4). Segment widths are rounded so they always add up to `width`.
 */
export function stateBar(counts: BarCounts, width: number, c: Colors): string {
  if (counts.total <= 0) return c.dim('░'.repeat(width));
  const parts: [number, (s: string) => string, string][] = [
    [counts.completed, c.green, '█'],
    [counts.failed, c.red, '█'],
    [counts.skipped, c.magenta, '█'],
    [counts.running, c.cyan, '▒'],
  ];
  let used = 0;
  let acc = 0;
  let out = '';
  for (const [n, paint, ch] of parts) {
    acc += n;
    const end = Math.min(width, Math.round((acc / counts.total) * width));
    if (end > used) out += paint(ch.repeat(end - used));
    used = Math.max(used, end);
  }
  if (used < width) out += c.dim('░'.repeat(width - used));
  return out;
}

/** A plain two-colour bar for a fraction 0..1. */
export function fractionBar(
  fraction: number,
  width: number,
  c: Colors,
  paint: (s: string) => string = c.green,
): string {
  const f = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(f * width);
  return paint('█'.repeat(filled)) + c.dim('░'.repeat(width - filled));
}

/** Percentage finished (completed + failed + skipped) / total, 0 decimals. */
export function donePercent(counts: BarCounts, decimals = 0): string {
  if (counts.total <= 0) return `${(0).toFixed(decimals)}%`;
  const done = counts.completed + counts.failed + counts.skipped;
  return `${((done / counts.total) * 100).toFixed(decimals)}%`;
}
