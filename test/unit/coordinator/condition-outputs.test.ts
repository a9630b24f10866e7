/**
 * Blob-stored parent outputs for conditions (DECISIONS §4.4): outputs that can never be fetched or are
 * too large become a condition error for the task that needed them (not endless redelivery); transient
 * errors still propagate; an aggregate over more parents than the batch cache holds still settles.
 */
import { describe, expect, it } from 'vitest';
import { WorkflowRuntime, type StepResult } from '../../../src/engine/index.js';
import { BatchOutputs } from '../../../src/coordinator/outputs.js';
import { settleStep } from '../../../src/coordinator/apply.js';
import { emptyStats } from '../../../src/coordinator/stats.js';
import { OutputFetchError, TransientStorageError } from '../../../src/errors.js';
import type { OutputStore } from '../../../src/ports/output-store.js';
import { def, T0 } from '../engine/helpers.js';

/** An OutputStore whose only used member is fetchOutput (the coordinator calls nothing else here). */
function storeOf(fetchOutput: (ref: string) => Promise<unknown>): OutputStore & { calls: string[] } {
  const calls: string[] = [];
  const store = {
    calls,
    fetchOutput: (ref: string) => {
      calls.push(ref);
      return fetchOutput(ref);
    },
  };
  return store as unknown as OutputStore & { calls: string[] };
}

/** a → gated (condition on a's blob output) → after; returns the step of a's completion. */
function gatedOnBlob(): { rt: WorkflowRuntime; step: StepResult; ref: string } {
  const rt = WorkflowRuntime.fromDefinition(
    def({ a: {}, gated: { deps: ['a'], condition: 'inputs.a.ok' }, after: { deps: ['gated'] } }),
    { workflowId: 'wf1', now: T0 },
  );
  rt.activate(T0);
  const ref = 'blob:wf1/a.json';
  const step = rt.applyCompletion(
    { task: 'a', success: true, outputRef: ref, error: null, attemptNo: 1 },
    T0 + 1000,
  );
  expect(step.needOutputs).toEqual([ref]);
  return { rt, step, ref };
}

const now = () => T0 + 2000;

describe('condition outputs fetched from blobs', () => {
  it('a missing output blob skips the gated task with a condition error instead of throwing', async () => {
    const { rt, step, ref } = gatedOnBlob();
    const stats = emptyStats();
    const store = storeOf(() =>
      Promise.reject(new OutputFetchError('output blob x/wf1/a.json does not exist')),
    );
    const r = await settleStep(rt, step, new BatchOutputs(store), stats, now);
    expect(rt.taskState('gated')).toBe('skipped');
    expect(rt.taskStatus('gated').error).toBe(
      `condition error: upstream output ${ref} unavailable: output blob x/wf1/a.json does not exist`,
    );
    expect(stats.condition_errors).toBe(1);
    // The workflow moves on exactly as after any skip (a skipped parent satisfies `after`).
    expect(r.dispatch.map((d) => d.task)).toEqual(['after']);
  });

  it('an output larger than the byte cap is a condition error, not a value', async () => {
    const { rt, step, ref } = gatedOnBlob();
    const stats = emptyStats();
    const store = storeOf(() => Promise.resolve({ ok: true, pad: 'x'.repeat(2048) }));
    await settleStep(rt, step, new BatchOutputs(store, 1024), stats, now);
    expect(rt.taskState('gated')).toBe('skipped');
    expect(rt.taskStatus('gated').error).toMatch(
      new RegExp(
        `^condition error: upstream output ${ref} unavailable: \\d+ bytes exceeds the 1024-byte limit`,
      ),
    );
    expect(stats.condition_errors).toBe(1);
  });

  it('an output under the cap is evaluated normally', async () => {
    const { rt, step } = gatedOnBlob();
    const stats = emptyStats();
    const store = storeOf(() => Promise.resolve({ ok: true }));
    const r = await settleStep(rt, step, new BatchOutputs(store, 1024), stats, now);
    expect(r.dispatch.map((d) => d.task)).toEqual(['gated']);
    expect(stats.condition_errors).toBe(0);
    expect(stats.outputs_fetched).toBe(1);
  });

  it('a transient fetch error propagates (the completion is redelivered) and leaves the task pending', async () => {
    const { rt, step } = gatedOnBlob();
    const store = storeOf(() => Promise.reject(new TransientStorageError('503 server busy')));
    await expect(settleStep(rt, step, new BatchOutputs(store), emptyStats(), now)).rejects.toThrow(
      '503 server busy',
    );
    expect(rt.taskState('gated')).toBe('pending');
  });

  it('an aggregate condition over 300 blob-stored parents settles in one fetch round', async () => {
    const parents = Array.from({ length: 300 }, (_, i) => `p${i}`);
    const tasks: Record<string, { deps?: string[]; condition?: string }> = {};
    for (const p of parents) tasks[p] = {};
    tasks.sink = { deps: parents, condition: 'inputs.p0.ok and inputs.p299.ok' };
    const rt = WorkflowRuntime.fromDefinition(def(tasks), { workflowId: 'wf1', now: T0 });
    rt.activate(T0);
    let last: StepResult | null = null;
    for (const p of parents)
      last = rt.applyCompletion(
        { task: p, success: true, outputRef: `blob:wf1/${p}.json`, error: null, attemptNo: 1 },
        T0 + 1000,
      );
    expect(last?.needOutputs.length).toBe(300);
    const stats = emptyStats();
    const store = storeOf(() => Promise.resolve({ ok: true }));
    const r = await settleStep(rt, last as StepResult, new BatchOutputs(store), stats, now);
    // Before: the 256-entry cache evicted its own inputs, every round refetched, and after 64 rounds
    // the sink was left pending for ever.
    expect(r.dispatch.map((d) => d.task)).toEqual(['sink']);
    expect(store.calls.length).toBe(300);
    expect(stats.outputs_fetched).toBe(300);
  });
});
