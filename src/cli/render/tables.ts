/** Tables via cli-table3; without colour the borders are plain ASCII-free box characters and no escapes. */
import Table from 'cli-table3';
import type { Colors } from './colors.js';

export interface TableSpec {
  head: string[];
  rows: (string | number)[][];
  /** Right-align these column indexes (numbers). */
  alignRight?: number[];
}

/** Render a table; `colors` decides whether headers are bold (cli-table3 colours nothing itself then). */
export function renderTable(spec: TableSpec, c: Colors, enabled: boolean): string {
  const table = new Table({
    head: spec.head.map((h) => c.bold(h)),
    style: { head: [], border: [], compact: true, 'padding-left': 1, 'padding-right': 1 },
    colAligns: spec.head.map((_, i) => (spec.alignRight?.includes(i) ? 'right' : 'left')),
    wordWrap: false,
  });
  for (const r of spec.rows) table.push(r.map((v) => String(v)));
  const text = table.toString();
  // cli-table3 never adds colour when style.head/border are empty; `enabled` only matters for callers
  // that pre-coloured cells.
  void enabled;
  return text;
}
