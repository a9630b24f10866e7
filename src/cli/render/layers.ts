/** Layer rollup for `status --by-layer` and `watch` (reference §7.4). */
import type { TaskState } from '../../engine/states.js';

export interface LayerRow {
  layer: string;
  total: number;
  /** pending + ready_pending_budget */
  pending: number;
  ready: number;
  running: number;
  completed: number;
  /** failed + upstream_failed + cancelled */
  failed: number;
  skipped: number;
}

const NUMBERED_SUFFIX = /-\d{3,}(?:_\d+)?$/;

/**
 * The layer a task belongs to: a trailing `-<≥3 digits>[_<digits>]` is removed (`sim-1-0000001_3` →
 * `sim-1`), and prefix-named tasks are grouped by their first segment (`train/rf` → `train`).
 */
export function layerOf(taskName: string): string {
  const slash = taskName.indexOf('/');
  if (slash > 0) return taskName.slice(0, slash);
  return taskName.replace(NUMBERED_SUFFIX, '');
}

function emptyRow(layer: string): LayerRow {
  return { layer, total: 0, pending: 0, ready: 0, running: 0, completed: 0, failed: 0, skipped: 0 };
}

function bump(row: LayerRow, state: TaskState): void {
  row.total++;
  switch (state) {
    case 'pending':
    case 'ready_pending_budget':
      row.pending++;
      break;
    case 'ready':
      row.ready++;
      break;
    case 'running':
      row.running++;
      break;
    case 'completed':
      row.completed++;
      break;
    case 'skipped':
      row.skipped++;
      break;
    default:
      row.failed++;
  }
}

/** Roll tasks up into layers, in first-seen order. */
export function rollupLayers(tasks: Iterable<{ name: string; status: TaskState }>): LayerRow[] {
  const rows = new Map<string, LayerRow>();
  for (const t of tasks) {
    const key = layerOf(t.name);
    let row = rows.get(key);
    if (!row) rows.set(key, (row = emptyRow(key)));
    bump(row, t.status);
  }
  return [...rows.values()];
}

/** Fraction of a layer that has finished (completed, failed or skipped). */
export function layerDoneFraction(row: LayerRow): number {
  return row.total === 0 ? 0 : (row.completed + row.failed + row.skipped) / row.total;
}
