/** The worker's attempt log: bounded to the newest lines, refreshed only when it changed, final once. */
import { describe, it, expect } from 'vitest';
import {
  AttemptLog,
  BoundedLines,
  LINE_OVERHEAD_BYTES,
  MAX_LINE_BYTES,
} from '../../../src/worker/attempt-log.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { createMemoryTaskLogStore } from '../../../src/adapters/memory/log-store.js';
import type { TaskLogStore } from '../../../src/ports/task-log-store.js';
import type { TaskLogDoc } from '../../../src/wire/task-log.js';
import { silentLogger } from '../../../src/log.js';

describe('BoundedLines', () => {
  it('keeps the newest lines within the bound and counts what it dropped', () => {
    const b = new BoundedLines(10 * (100 + LINE_OVERHEAD_BYTES));
    for (let i = 0; i < 25; i++) b.append('stdout', String(i).padStart(100, '0'), i);
    const kept = b.lines();
    expect(kept).toHaveLength(10);
    expect(kept[0].text.endsWith('15')).toBe(true);
    expect(kept.at(-1)!.text.endsWith('24')).toBe(true);
    expect(b.droppedLines).toBe(15);
    expect(b.droppedBytes).toBe(15 * 101);
  });

  it('cuts a single huge line and says how much was cut', () => {
    const b = new BoundedLines(1024 * 1024);
    b.append('stderr', 'é'.repeat(MAX_LINE_BYTES), 1);
    const [line] = b.lines();
    expect(Buffer.byteLength(line.text)).toBeLessThan(MAX_LINE_BYTES + 100);
    expect(line.text).toMatch(/… \[jobq: 65536 more bytes of this line cut\]$/);
  });
});

function recordingStore(inner: TaskLogStore): { store: TaskLogStore; writes: TaskLogDoc[] } {
  const writes: TaskLogDoc[] = [];
  return {
    writes,
    store: { ...inner, write: async (d) => (writes.push(d), inner.write(d)) },
  };
}

describe('AttemptLog', () => {
  it('writes once at the end when refreshes are off, with how the attempt ended', async () => {
    const world = createMemoryWorld();
    const inner = createMemoryTaskLogStore(world, 'Unit');
    await inner.ensureResources();
    const { store, writes } = recordingStore(inner);
    const log = new AttemptLog({
      store,
      workflowId: 'wf',
      task: 't',
      attempt: 2,
      workerId: 'w1',
      settings: { refreshIntervalS: 0, maxBytes: 4096 },
      logger: silentLogger(),
    }).start();
    log.line('stdout', 'hi');
    await log.finish({ success: false, error: 'task command exited with code 1', exitCode: 1, signal: null });
    await log.finish({ success: true, error: null }); // second finish: no second write
    expect(writes).toHaveLength(1);
    const got = (await inner.read('wf', 't', 2))!;
    expect(got).toMatchObject({ state: 'final', success: false, exit_code: 1, refresh_s: 0, worker: 'w1' });
    expect(got.lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'hi'],
      ['jobq', 'attempt failed: task command exited with code 1'],
    ]);
  });

  it('never throws when storage fails', async () => {
    const failing: TaskLogStore = {
      ensureResources: async () => undefined,
      write: async () => {
        throw new Error('storage down');
      },
      read: async () => null,
      attempts: async () => [],
      deleteLogs: async () => 0,
    };
    const warnings: unknown[] = [];
    const logger = {
      ...silentLogger(),
      warn: (o: unknown) => void warnings.push(o),
    } as unknown as ReturnType<typeof silentLogger>;
    const log = new AttemptLog({
      store: failing,
      workflowId: 'wf',
      task: 't',
      attempt: 1,
      workerId: 'w',
      settings: { refreshIntervalS: 0, maxBytes: 4096 },
      logger,
    });
    await expect(log.finish({ success: true, error: null })).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
  });
});
