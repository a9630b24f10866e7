/**
 * The chaos checker's comparison with the fault-free run: the cancel race (docs/failure-modes.md) is
 * the only difference it accepts, and only in the shape the spec allows.
 */
import { describe, expect, it } from 'vitest';
import type { StorageSnapshot, WorkflowSnapshot } from '../../chaos/lib/inspect.js';
import { cancelRaceAllows, compareRuns, parentsOf } from '../../chaos/lib/verdict.js';

const CANCEL_DEF = {
  name: 'wf-cancel',
  tasks: [
    { name: 'block' },
    { name: 'after', depends_on: ['block'] },
    { name: 'later', depends_on: ['after'] },
  ],
};

function wf(workflowState: string, tasks: Record<string, string>, name = 'wf-cancel'): WorkflowSnapshot {
  return { workflowId: `${name}-id`, name, workflowState, indexState: workflowState, tasks };
}

function snap(...workflows: WorkflowSnapshot[]): StorageSnapshot {
  return { workflows, undecodable: [], incomplete: [] };
}

function compare(chaos: WorkflowSnapshot, clean: WorkflowSnapshot, withParents = true) {
  return compareRuns({
    names: [chaos.name],
    chaos: snap(chaos),
    clean: snap(clean),
    chaosEffects: new Map(),
    cleanEffects: new Map(),
    ...(withParents ? { parents: parentsOf([CANCEL_DEF]) } : {}),
  });
}

const CANCEL_FIRST = wf('cancelled', { block: 'failed', after: 'cancelled', later: 'cancelled' });
const FAILURE_FIRST = wf('cancelled', {
  block: 'failed',
  after: 'upstream_failed',
  later: 'upstream_failed',
});

describe('chaos verdict: the cancel race', () => {
  it('accepts cancelled vs upstream_failed downstream of the interrupted task, either way round', () => {
    for (const [chaos, clean] of [
      [CANCEL_FIRST, FAILURE_FIRST],
      [FAILURE_FIRST, CANCEL_FIRST],
    ]) {
      const c = compare(chaos, clean);
      expect(c.mismatches).toEqual([]);
      expect(c.problems).toEqual([]);
      expect(c.cancel_race_accepted).toHaveLength(2);
      expect(c.cancel_race_accepted[0]).toMatch(/^wf-cancel\/after: /);
    }
  });

  it('still reports the interrupted task itself when it differs', () => {
    const chaos = wf('cancelled', { block: 'completed', after: 'cancelled', later: 'cancelled' });
    const c = compare(chaos, FAILURE_FIRST);
    expect(c.mismatches).toEqual([
      'wf-cancel: block: completed (expected failed); after: cancelled (expected upstream_failed); later: cancelled (expected upstream_failed)',
    ]);
  });

  it('rejects the pair when the workflow did not end cancelled in both runs', () => {
    const chaos = wf('failed', { block: 'failed', after: 'upstream_failed', later: 'upstream_failed' });
    const c = compare(chaos, CANCEL_FIRST);
    expect(c.mismatches).toHaveLength(1);
    expect(c.mismatches[0]).toContain('workflow: failed (expected cancelled)');
    expect(c.mismatches[0]).toContain('after: upstream_failed (expected cancelled)');
    expect(c.cancel_race_accepted).toEqual([]);
  });

  it('rejects upstream_failed where no parent failed in that run (not the race)', () => {
    const chaos = wf('cancelled', { block: 'completed', after: 'upstream_failed', later: 'cancelled' });
    const clean = wf('cancelled', { block: 'completed', after: 'cancelled', later: 'cancelled' });
    expect(compare(chaos, clean).mismatches).toEqual([
      'wf-cancel: after: upstream_failed (expected cancelled)',
    ]);
  });

  it('rejects other pairs of states', () => {
    const chaos = wf('cancelled', { block: 'failed', after: 'skipped', later: 'cancelled' });
    expect(compare(chaos, CANCEL_FIRST).mismatches).toEqual([
      'wf-cancel: after: skipped (expected cancelled)',
    ]);
    const failedAfter = wf('cancelled', { block: 'failed', after: 'failed', later: 'upstream_failed' });
    expect(compare(failedAfter, CANCEL_FIRST).mismatches).toEqual([
      'wf-cancel: after: failed (expected cancelled); later: upstream_failed (expected cancelled)',
    ]);
  });

  it('accepts nothing when the caller gives no definitions', () => {
    expect(compare(CANCEL_FIRST, FAILURE_FIRST, false).mismatches).toHaveLength(1);
  });

  it('cancelRaceAllows needs a failed parent in the upstream_failed run, explained in both', () => {
    const parents = (t: string) => parentsOf([CANCEL_DEF]).get('wf-cancel')?.get(t) ?? [];
    expect(cancelRaceAllows('after', FAILURE_FIRST, CANCEL_FIRST, parents)).toBe(true);
    expect(cancelRaceAllows('later', FAILURE_FIRST, CANCEL_FIRST, parents)).toBe(true);
    expect(cancelRaceAllows('after', FAILURE_FIRST, CANCEL_FIRST, () => [])).toBe(false);
    expect(cancelRaceAllows('block', FAILURE_FIRST, CANCEL_FIRST, parents)).toBe(false);
  });
});
