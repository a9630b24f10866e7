/** The layer table of `status --by-layer` and `watch` (reference §7.4): zero cells left blank. */
import type { Colors } from './colors.js';
import { layerDoneFraction, type LayerRow } from './layers.js';
import { fractionBar } from './progress.js';
import { renderTable } from './tables.js';

const blank = (n: number) => (n === 0 ? '' : String(n));

/** Render layer rows as a table with a 16-character progress bar and a one-decimal percentage. */
export function renderLayerTable(rows: LayerRow[], c: Colors, colour: boolean): string {
  return renderTable(
    {
      head: ['Layer', 'Total', 'Pending', 'Ready', 'Running', 'Completed', 'Failed', 'Skipped', 'Progress'],
      alignRight: [1, 2, 3, 4, 5, 6, 7],
      rows: rows.map((r) => [
        r.layer,
        r.total,
        blank(r.pending),
        blank(r.ready),
        blank(r.running),
        blank(r.completed),
        blank(r.failed),
        blank(r.skipped),
        `${fractionBar(layerDoneFraction(r), 16, c, r.failed > 0 ? c.red : c.green)} ${(layerDoneFraction(r) * 100).toFixed(1)}%`,
      ]),
    },
    c,
    colour,
  );
}
