/** Tables via cli-table3 (box-drawing borders, compact rows). */
import Table from 'cli-table3';
import type { Colors } from './colors.js';

export interface TableSpec {
  head: string[];
  rows: (string | number)[][];
  /** Right-align these column indexes (numbers). */
  alignRight?: number[];
}

/**
 * Render a table. cli-table3's own styling is off (`style.head/border: []`), so the only escape codes
 * are those of `c` (bold headers) and of pre-coloured cells: none when colour is off.
 */
export function renderTable(spec: TableSpec, c: Colors, _colour?: boolean): string {
  const table = new Table({
    head: spec.head.map((h) => c.bold(h)),
    style: { head: [], border: [], compact: true, 'padding-left': 1, 'padding-right': 1 },
    colAligns: spec.head.map((_, i) => (spec.alignRight?.includes(i) ? 'right' : 'left')),
    wordWrap: false,
  });
  for (const r of spec.rows) table.push(r.map((v) => String(v)));
  return table.toString();
}
