/**
 * The DispatchGate with cacheable tasks, on memory adapters: a changed root of a mostly cached re-run
 * is pushed before the hits below its cached sibling are looked up (no waiting for the cascade), the
 * hits complete in place with their source, and lookups of one wave run concurrently.
 */
import { describe, expect, it } from 'vitest';
import { DispatchGate } from '../../../src/coordinator/dispatch-gate.js';
import { TaskMemo } from '../../../src/coordinator/task-cache.js';
import { emptyStats } from '../../../src/coordinator/stats.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import type { TaskDispatch } from '../../../src/engine/api.js';
import type { TaskCacheStore } from '../../../src/ports/task-cache.js';
import { parseDefinition } from '../../../src/model/load.js';
import { silentLogger } from '../../../src/log.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const CHILDREN = 40;

function definition(rootCmd: string) {
  return parseDefinition(
    {
      name: 'gate',
      tasks: [
        { name: 'r0', cache: true, kwargs: { cmd: rootCmd } },
        { name: 'r1', cache: true, kwargs: { cmd: 'make r1' } },
        ...Array.from({ length: CHILDREN }, (_, i) => ({
          name: `c${i}`,
          depends_on: ['r1'],
          cache: true,
          kwargs: { cmd: 'make c' },
        })),
      ],
    },
    'gate',
  );
}

/** A store that logs reads and holds each read for a tick, counting how many are in flight at once. */
function observed(inner: TaskCacheStore, log: string[]) {
  let inFlight = 0;
  let maxInFlight = 0;
  const store: TaskCacheStore = {
    get: async (key) => {
      log.push('get');
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return inner.get(key);
    },
    put: (e) => inner.put(e),
    list: () => inner.list(),
    delete: (k) => inner.delete(k),
  };
  return { store, maxInFlight: () => maxInFlight };
}

describe('DispatchGate with cacheable tasks', () => {
  it('pushes a miss before looking up the next wave of hits; hits complete in place', async () => {
    const backend = openMemoryBackend(createMemoryWorld(), 'Gate');
    await backend.ensureResources();
    const memo = new TaskMemo(backend.cache, backend.outputs, emptyStats(), silentLogger(), () => T0);

    // A first run records every result.
    const first = WorkflowRuntime.fromDefinition(definition('make r0'), {
      workflowId: 'a'.repeat(32),
      now: T0,
    });
    const done = (rt: WorkflowRuntime, ds: readonly TaskDispatch[]) => {
      const next: TaskDispatch[] = [];
      for (const d of ds) {
        const out = `{"task": "${d.task}"}`;
        next.push(
          ...rt.applyCompletion(
            { task: d.task, success: true, outputRef: out, error: null, attemptNo: 1 },
            T0,
          ).dispatch,
        );
        memo.record(rt, d.task, 1);
      }
      return next;
    };
    done(first, done(first, first.activate(T0).dispatch));
    await memo.drain();
    expect(await backend.cache.list()).toHaveLength(CHILDREN + 2);

    // The re-run changes r0 only.
    const log: string[] = [];
    const { store, maxInFlight } = observed(backend.cache, log);
    const gate = new DispatchGate(
      new TaskMemo(store, backend.outputs, emptyStats(), silentLogger(), () => T0),
      null,
      backend.outputs,
      emptyStats(),
      () => T0,
    );
    const rt = WorkflowRuntime.fromDefinition(definition('make r0 --changed'), {
      workflowId: 'b'.repeat(32),
      now: T0,
    });
    const pushedEarly: string[][] = [];
    const rest = await gate.admit(
      rt,
      rt.activate(T0).dispatch,
      () => undefined,
      async (ds) => {
        pushedEarly.push(ds.map((d) => d.task));
        log.push(`push ${ds.map((d) => d.task).join(',')}`);
      },
    );
    expect(pushedEarly).toEqual([['r0']]);
    expect(rest).toEqual([]);
    // r0 and r1 were looked up, then r0 went out, then the children's wave.
    expect(log.slice(0, 3)).toEqual(['get', 'get', 'push r0']);
    expect(log.filter((l) => l === 'get')).toHaveLength(CHILDREN + 2);
    expect(maxInFlight()).toBeGreaterThan(1);
    expect(maxInFlight()).toBeLessThanOrEqual(16);
    expect(rt.taskState('r0')).toBe('running');
    expect(rt.cachedFrom('r0')).toBeNull();
    for (const t of ['r1', 'c0', `c${CHILDREN - 1}`]) {
      expect(rt.taskState(t)).toBe('completed');
      expect(rt.cachedFrom(t)).toBe(`${'a'.repeat(32)}/${t}/1`);
    }
  });
});
