/**
 * Tables via cli-table3 (box-drawing borders, compact rows), required on the first table drawn rather
 * than when a command module is loaded (start-up rule in commands/index.ts).
 */
import { createRequire } from 'node:module';
import type TableClass from 'cli-table3';
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
  const Table = createRequire(import.meta.url)('cli-table3') as typeof TableClass;
  const table = new Table({
    head: spec.head.map((h) => c.bold(h)),
    style: { head: [], border: [], compact: true, 'padding-left': 1, 'padding-right': 1 },
    colAligns: spec.head.map((_, i) => (spec.alignRight?.includes(i) ? 'right' : 'left')),
    wordWrap: false,
  });
  for (const r of spec.rows) table.push(r.map((v) => String(v)));
  return table.toString();
}
