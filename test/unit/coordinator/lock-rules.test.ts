/** The lock keeper's pure rules: keys, FIFO order, whether a hold or a waiter still belongs to a live attempt, the status line. */
import { describe, expect, it } from 'vitest';
import {
  compareWaiters,
  describeLockWait,
  holdVerdict,
  insertWaiter,
  lockKey,
  lockOfKey,
  waiterAlive,
} from '../../../src/coordinator/lock-rules.js';
import type { LockHold, LockWait } from '../../../src/ports/lock-store.js';
import { T0, def, started } from '../engine/helpers.js';

const hold = (task: string, attempt: number, pushed = true): LockHold => ({
  lock: 'mutex.db',
  slot: 0,
  owner: { workflowId: 'wf1', task, attempt },
  acquiredAt: new Date(T0).toISOString(),
  pushed,
});
const wait = (workflowId: string, task: string, readyAtMs: number): LockWait => ({
  lock: 'mutex.db',
  owner: { workflowId, task, attempt: 1 },
  readyAtMs,
});

function runtime() {
  const d = def({ a: { num_retries: 2 }, b: {}, c: { deps: ['a'] } });
  d.tasks[0].mutex = 'db';
  return started(d).rt;
}

describe('lock keys', () => {
  it('keep a mutex and a semaphore of one name apart, and read back (names may hold . and :)', () => {
    expect(lockKey({ kind: 'mutex', name: 'db' })).toBe('mutex.db');
    expect(lockKey({ kind: 'semaphore', name: 'db' })).toBe('semaphore.db');
    expect(lockOfKey('semaphore.gpu.a100:x')).toEqual({ kind: 'semaphore', name: 'gpu.a100:x' });
    expect(lockOfKey('mutex.db')).toEqual({ kind: 'mutex', name: 'db' });
  });
});

describe('FIFO order', () => {
  it('orders by wait time, then workflow and task; re-inserting a task replaces it in its new place', () => {
    const list: LockWait[] = [];
    insertWaiter(list, wait('w2', 't', T0 + 5));
    insertWaiter(list, wait('w1', 't', T0 + 9));
    insertWaiter(list, wait('w1', 'a', T0 + 5));
    expect(list.map((w) => `${w.owner.workflowId}/${w.owner.task}`)).toEqual(['w1/a', 'w2/t', 'w1/t']);
    insertWaiter(list, wait('w1', 't', T0 + 1));
    expect(list.map((w) => `${w.owner.workflowId}/${w.owner.task}`)).toEqual(['w1/t', 'w1/a', 'w2/t']);
    expect(compareWaiters(wait('a', 'x', 1), wait('a', 'x', 1))).toBe(0);
  });
});

describe('holdVerdict', () => {
  it('keeps the hold of the running attempt; a pushed hold of an older attempt is superseded', () => {
    const rt = runtime();
    expect(holdVerdict(rt, hold('a', 1))).toBe('keep');
    expect(holdVerdict(rt, hold('a', 0))).toBe('superseded');
    // An unsent grant belongs to whichever attempt is dispatched with it.
    expect(holdVerdict(rt, hold('a', 0, false))).toBe('keep');
  });

  it('a retry re-armed the task: the old attempt’s hold ends; a grant for the next attempt is kept', () => {
    const rt = runtime();
    rt.deferForLock('a', 1, T0);
    expect(holdVerdict(rt, hold('a', 1, false))).toBe('deliver');
    // Its message may be out already (sent, state not flushed): still handed to the task, not dropped.
    expect(holdVerdict(rt, hold('a', 1, true))).toBe('deliver');
    rt.grantLock('a', T0);
    expect(holdVerdict(rt, hold('a', 1))).toBe('keep');
    rt.applyCompletion({ task: 'a', success: false, outputRef: null, error: 'x', attemptNo: 1 }, T0 + 1);
    expect(rt.taskState('a')).toBe('running'); // attempt 2 dispatched at once
    expect(holdVerdict(rt, hold('a', 1))).toBe('superseded');
  });

  it('a task that ended, or is unknown, ends its hold', () => {
    const rt = runtime();
    rt.applyCompletion({ task: 'a', success: true, outputRef: null, error: null, attemptNo: 1 }, T0 + 1);
    expect(holdVerdict(rt, hold('a', 1))).toBe('ended');
    expect(holdVerdict(rt, hold('zz', 1))).toBe('gone');
    expect(holdVerdict(runtime(), hold('c', 1))).toBe('ended'); // still pending: it holds nothing
  });
});

describe('waiterAlive', () => {
  it('is true while the task may still ask (ready, parked, running) and false once it ended or is unknown', () => {
    const rt = runtime();
    rt.deferForLock('a', 1, T0);
    expect(waiterAlive(rt, wait('wf1', 'a', T0))).toBe(true);
    expect(waiterAlive(rt, wait('wf1', 'c', T0))).toBe(false);
    expect(waiterAlive(rt, wait('wf1', 'zz', T0))).toBe(false);
    rt.requestCancel(T0 + 1);
    expect(waiterAlive(rt, wait('wf1', 'a', T0))).toBe(false);
  });
});

describe('describeLockWait', () => {
  const h = (wf: string, task: string) => ({ ...hold(task, 1), owner: { workflowId: wf, task, attempt: 1 } });
  it('says who holds a mutex, and how full a semaphore is', () => {
    expect(describeLockWait({ kind: 'mutex', name: 'db' }, 1, [h('w1', 't')])).toBe(
      'waiting for mutex db (held by w1/t)',
    );
    expect(describeLockWait({ kind: 'mutex', name: 'db' }, 1, [])).toBe('waiting for mutex db');
    expect(describeLockWait({ kind: 'semaphore', name: 'gpu' }, 2, [h('w1', 'a'), h('w2', 'b')])).toBe(
      'waiting for semaphore gpu (2 of 2 held: w1/a, w2/b)',
    );
    expect(describeLockWait({ kind: 'semaphore', name: 'gpu' }, null, [h('w1', 'a')])).toBe(
      'waiting for semaphore gpu (1 held: w1/a)',
    );
    expect(describeLockWait({ kind: 'semaphore', name: 'gpu' }, 0, [])).toBe(
      'waiting for semaphore gpu (no limit configured for it)',
    );
  });
});
