import { describe, expect, it } from 'vitest';
import { layerOf, rollupLayers } from '../../../src/cli/render/layers.js';
import { renderLayerTable } from '../../../src/cli/render/layer-table.js';
import { makeColors } from '../../../src/cli/render/colors.js';

describe('layer rollup', () => {
  it('strips a trailing -NNN[_N] suffix and keeps other names', () => {
    expect(layerOf('sim-1-0000001_3')).toBe('sim-1');
    expect(layerOf('__merge_sim-1-0000001_0')).toBe('__merge_sim-1');
    expect(layerOf('step-2')).toBe('step-2');
    expect(layerOf('shard-042')).toBe('shard');
    expect(layerOf('shard-42')).toBe('shard-42');
  });

  it('groups prefix-named tasks by their first segment', () => {
    expect(layerOf('train/rf')).toBe('train');
    expect(layerOf('train/xgb-001')).toBe('train');
  });

  it('counts states into layer columns in first-seen order', () => {
    const rows = rollupLayers([
      { name: 'prep', status: 'completed' },
      { name: 'sim-001', status: 'running' },
      { name: 'sim-002', status: 'ready' },
      { name: 'sim-003', status: 'upstream_failed' },
      { name: 'sim-004', status: 'ready_pending_budget' },
      { name: 'sim-005', status: 'cancelled' },
      { name: 'report', status: 'skipped' },
    ]);
    expect(rows.map((r) => r.layer)).toEqual(['prep', 'sim', 'report']);
    expect(rows[1]).toEqual({
      layer: 'sim',
      total: 5,
      pending: 1,
      ready: 1,
      running: 1,
      completed: 0,
      failed: 2,
      skipped: 0,
    });
  });

  it('renders a table with blank zero cells, a bar and a one-decimal percentage, without escapes when colour is off', () => {
    const rows = rollupLayers([
      { name: 'sim-001', status: 'completed' },
      { name: 'sim-002', status: 'pending' },
      { name: 'sim-003', status: 'pending' },
    ]);
    const text = renderLayerTable(rows, makeColors(false), false);
    expect(text).not.toContain('\u001b[');
    expect(text).toContain('33.3%');
    const simLine = text.split('\n').find((l) => l.includes('sim'))!;
    const cells = simLine.split('│').map((c) => c.trim());
    // Layer, Total, Pending, Ready, Running, Completed, Failed, Skipped, Progress
    expect(cells.slice(1, 9)).toEqual(['sim', '3', '2', '', '', '1', '', '']);
  });
});
