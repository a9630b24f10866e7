import { describe, expect, it } from 'vitest';
import { Admission } from '../../../src/coordinator/admission.js';
import { emptyStats } from '../../../src/coordinator/stats.js';
import type { Runtime } from '../../../src/engine/api.js';
import { silentLogger } from '../../../src/log.js';

/** Just enough of a runtime for admission decisions. */
const rt = (activated: boolean, terminal: boolean) =>
  ({ activated, isTerminal: () => terminal }) as unknown as Runtime;

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('admission', () => {
  it('admits immediately when unlimited', () => {
    const a = new Admission(null, emptyStats(), silentLogger(), () => Promise.resolve(null));
    expect(a.admit('w1', '2026-01-01T00:00:02Z')).toBe(true);
    expect(a.admit('w2', '2026-01-01T00:00:01Z')).toBe(true);
  });

  it('queues beyond the cap and admits waiters in created_at order when a slot frees', async () => {
    const stats = emptyStats();
    const activated: string[] = [];
    const a = new Admission(1, stats, silentLogger(), (id) => {
      activated.push(id);
      return Promise.resolve(rt(true, false));
    });
    expect(a.admit('first', '2026-01-01T00:00:01Z')).toBe(true);
    expect(a.admit('third', '2026-01-01T00:00:03Z')).toBe(false);
    expect(a.admit('second', '2026-01-01T00:00:02Z')).toBe(false);
    expect(stats.admission_waiting).toBe(2);
    a.observed('first', rt(true, true));
    await settle();
    expect(activated).toEqual(['second']);
    a.observed('second', rt(true, true));
    await settle();
    expect(activated).toEqual(['second', 'third']);
    expect(stats.running_workflows).toBe(1);
    expect(stats.admissions).toBe(3);
  });

  it('does not let a later workflow overtake an earlier waiter', () => {
    const a = new Admission(1, emptyStats(), silentLogger(), () => new Promise(() => undefined));
    a.seedRunning(['busy']);
    expect(a.admit('early', '2026-01-01T00:00:01Z')).toBe(false);
    a.observed('busy', rt(true, true)); // frees the slot; the pump admits 'early' (still activating)
    expect(a.admit('late', '2026-01-01T00:00:05Z')).toBe(false);
  });

  it('counts a workflow seen running (e.g. after a restart) against the cap', () => {
    const a = new Admission(1, emptyStats(), silentLogger(), () => Promise.resolve(null));
    a.observed('already-running', rt(true, false));
    expect(a.admit('new', '2026-01-01T00:00:01Z')).toBe(false);
  });

  it('holds every admission decision until the running set is seeded', async () => {
    const activated: string[] = [];
    const a = new Admission(1, emptyStats(), silentLogger(), (id) => {
      activated.push(id);
      return Promise.resolve(rt(true, false));
    });
    a.expectSeed();
    expect(a.idle()).toBe(false);
    const early = a.admit('new', '2026-01-01T00:00:01Z');
    expect(early).toBeInstanceOf(Promise);
    a.offer('swept', '2026-01-01T00:00:02Z');
    await settle();
    expect(activated).toEqual([]);
    // The index says one workflow runs already: with a cap of 1, neither may start.
    a.seedRunning(['busy']);
    await expect(early).resolves.toBe(false);
    await settle();
    expect(activated).toEqual([]);
    a.observed('busy', rt(true, true));
    await settle();
    expect(activated).toEqual(['new']);
  });

  it('asks for the seed when a decision waits for it, and not once seeded', async () => {
    let asked = 0;
    const a = new Admission(null, emptyStats(), silentLogger(), () => Promise.resolve(rt(true, false)));
    a.expectSeed(() => asked++);
    expect(asked).toBe(0);
    const first = a.admit('w1', '2026-01-01T00:00:01Z');
    expect(asked).toBe(1);
    a.seedRunning([]);
    await expect(first).resolves.toBe(true);
    // Seeded: later decisions ask for nothing.
    a.admit('w2', '2026-01-01T00:00:02Z');
    expect(asked).toBe(1);
  });
});
