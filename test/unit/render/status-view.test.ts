import { describe, expect, it } from 'vitest';
import { renderStatusView } from '../../../src/cli/render/status-view.js';
import { colorEnabled, makeColors } from '../../../src/cli/render/colors.js';
import type { WorkflowStatus } from '../../../src/client/types.js';
import type { TaskStatusRecord } from '../../../src/engine/api.js';

function task(
  name: string,
  status: TaskStatusRecord['status'],
  over: Partial<TaskStatusRecord> = {},
): TaskStatusRecord {
  return {
    name,
    status,
    depends_on: [],
    depended_by: [],
    dep_policy: 'all',
    completed_deps: 0,
    failed_deps: 0,
    queue: 'default',
    output_ref: null,
    error: null,
    started_at: null,
    completed_at: null,
    retries_remaining: 0,
    task_timeout_s: null,
    updated_at: null,
    attempt_no: 0,
    num_retries: 0,
    condition: null,
    is_merge: false,
    ...over,
  };
}

const status: WorkflowStatus = {
  workflow_id: 'wf1',
  name: 'demo',
  status: 'failed',
  total: 3,
  completed: 1,
  running: 0,
  failed: 2,
  pending: 0,
  skipped: 0,
  ready: 0,
  cancel_requested: false,
  activated: true,
  max_parallelism: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:01:00Z',
  error: null,
  tasks: [
    task('prep', 'completed'),
    task('train-001', 'failed', {
      depends_on: ['prep'],
      completed_deps: 1,
      error: `Traceback: ${'x'.repeat(80)}`,
    }),
    task('report', 'upstream_failed', { depends_on: ['train-001'], failed_deps: 1 }),
  ],
};

describe('status view', () => {
  it('shows header, counters, task rows and a truncation footnote without escape codes when colour is off', () => {
    const text = renderStatusView(status, {
      colors: makeColors(false),
      colour: false,
      byLayer: true,
      tasks: true,
      verbose: false,
    });
    expect(text).not.toContain('\u001b[');
    expect(text).toContain('Workflow wf1');
    expect(text).toContain('Status:  failed');
    expect(text).toContain('1 completed  0 running  2 failed  0 pending');
    expect(text).toContain('100%  1/3 tasks');
    expect(text).toMatch(/train-001 +│ failed/);
    expect(text).toContain('1/1'); // deps of train-001
    expect(text).toContain('1 error(s) truncated');
    expect(text).not.toContain('x'.repeat(80));
  });

  it('keeps full errors with --verbose', () => {
    const text = renderStatusView(status, {
      colors: makeColors(false),
      colour: false,
      byLayer: false,
      tasks: true,
      verbose: true,
    });
    expect(text).toContain('x'.repeat(80));
    expect(text).not.toContain('Layer');
  });

  it('colours by state when colour is on', () => {
    const text = renderStatusView(status, {
      colors: makeColors(true),
      colour: true,
      byLayer: false,
      tasks: false,
      verbose: false,
    });
    expect(text).toContain('\u001b[31m'); // red for failed
  });
});

describe('colour decisions', () => {
  it('is off for non-TTY streams, NO_COLOR and --no-color; FORCE_COLOR turns it on', () => {
    expect(colorEnabled({ isTTY: false }, undefined, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, undefined, {})).toBe(true);
    expect(colorEnabled({ isTTY: true }, undefined, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, false, {})).toBe(false);
    expect(colorEnabled({ isTTY: false }, undefined, { FORCE_COLOR: '1' })).toBe(true);
  });
});
