/** Parsing and submit-time validation of the jobq-only fields (DECISIONS §4.17): cache, mutex, semaphore, idempotency_key. */
import { describe, expect, it } from 'vitest';
import { parseDefinition, validateDefinition } from '../../../src/model/index.js';
import { prepareSubmission } from '../../../src/client/submit.js';
import { workflowIdForIdempotencyKey } from '../../../src/model/fingerprint.js';

const parse = (doc: unknown) => parseDefinition(doc, 'x.yaml');
const check = (doc: unknown) => validateDefinition(parse(doc));

describe('cache, mutex, semaphore fields', () => {
  it('normalizes cache: true and a cache mapping; keeps mutex and semaphore', () => {
    const def = parse({
      name: 'w',
      tasks: [
        { name: 'a', cache: true, mutex: 'db' },
        {
          name: 'b',
          depends_on: ['a'],
          cache: { key: 'k-{inputs.a.v}', ttl_s: 60, version: 2 },
          semaphore: 'gpu',
        },
        { name: 'c', depends_on: ['a'], cache: false },
      ],
    });
    expect(def.tasks[0].cache).toEqual({ key: null, ttl_s: null, version: null });
    expect(def.tasks[0].mutex).toBe('db');
    expect(def.tasks[1].cache).toEqual({ key: 'k-{inputs.a.v}', ttl_s: 60, version: '2' });
    expect(def.tasks[1].semaphore).toBe('gpu');
    expect('cache' in def.tasks[2]).toBe(false);
  });

  it('accepts a mutex; refuses a semaphore the target has no limit for (one line, naming the task and the fix)', () => {
    const def = (task: Record<string, unknown>) => parse({ name: 'w', tasks: [{ name: 'a' }, task] });
    expect(() => validateDefinition(def({ name: 'b', mutex: 'db' }), { semaphores: {} })).not.toThrow();
    expect(() =>
      validateDefinition(def({ name: 'b', semaphore: 'gpu' }), { semaphores: { gpu: 2 } }),
    ).not.toThrow();
    expect(() => validateDefinition(def({ name: 'b', semaphore: 'gpu' }), { semaphores: { db: 1 } })).toThrow(
      /^Task 'b': unknown semaphore 'gpu': no limit is configured for it \(configured: db\); add it to coordinator\.semaphores in jobq\.yaml or JOBQ_COORDINATOR_SEMAPHORES=gpu=N$/,
    );
    expect(() => validateDefinition(def({ name: 'b', semaphore: 'gpu' }), { semaphores: {} })).toThrow(
      /none configured/,
    );
    // Without limits (the library, no target), semaphore names are not checked.
    expect(() => validateDefinition(def({ name: 'b', semaphore: 'gpu' }))).not.toThrow();
  });

  it('refuses bad values with a one-line message naming the task', () => {
    const bad: [unknown, RegExp][] = [
      [{ name: 'a', cache: 'yes' }, /tasks\[0\] \(a\): 'cache' must be true or a mapping/],
      [{ name: 'a', cache: { ttl_s: 0 } }, /'cache.ttl_s' must be a positive integer/],
      [{ name: 'a', cache: { keys: 'x' } }, /unknown cache fields: 'keys'/],
      [{ name: 'a', mutex: 'has space' }, /'mutex': 'has space' is not a valid lock name/],
      [{ name: 'a', semaphore: 3 }, /'semaphore' must be a string/],
    ];
    for (const [task, re] of bad) {
      expect(() => parse({ name: 'w', tasks: [task] })).toThrow(re);
    }
  });

  it('checks cache.key references against the parents, like conditions', () => {
    const base = (key: string) => ({
      name: 'w',
      tasks: [{ name: 'a' }, { name: 'b', depends_on: ['a'], cache: { key } }],
    });
    expect(() => check(base('model-{inputs.a.sha}'))).not.toThrow();
    expect(() => check(base('model-{inputs.zz.sha}'))).toThrow(/Task 'b': cache.key \{inputs.zz.sha\}: .*zz/);
    expect(() => check(base('model-{1 + 2}'))).toThrow(/must be an inputs.<parent>… path/);
    expect(() => check({ name: 'w', tasks: [{ name: 'a', cache: { key: '{inputs.x.y}' } }] })).toThrow(
      /references \{inputs…\} but the task has no dependencies/,
    );
  });

  it('refuses a task with both a mutex and a semaphore', () => {
    expect(() => check({ name: 'w', tasks: [{ name: 'a', mutex: 'm', semaphore: 's' }] })).toThrow(
      /either 'mutex' or 'semaphore', not both/,
    );
  });
});

describe('idempotency key', () => {
  const def = parse({ name: 'w', tasks: [{ name: 'a', kwargs: { cmd: 'true' } }] });

  it('derives the workflow ID from the key, flag over field, and fingerprints the definition', () => {
    const p1 = prepareSubmission(def, { idempotencyKey: 'k1' }, 65536);
    const p2 = prepareSubmission({ ...def, idempotency_key: 'k1' }, {}, 65536);
    expect(p1.workflowId).toBe(workflowIdForIdempotencyKey('k1'));
    expect(p2.workflowId).toBe(p1.workflowId);
    expect(p2.fingerprint).toBe(p1.fingerprint);
    const other = parse({ name: 'w', tasks: [{ name: 'a', kwargs: { cmd: 'false' } }] });
    expect(prepareSubmission(other, { idempotencyKey: 'k1' }, 65536).fingerprint).not.toBe(p1.fingerprint);
    expect(
      prepareSubmission({ ...def, idempotency_key: 'field' }, { idempotencyKey: 'flag' }, 65536).workflowId,
    ).toBe(workflowIdForIdempotencyKey('flag'));
  });

  it('refuses --id with a key, and control characters in a key', () => {
    expect(() => prepareSubmission(def, { idempotencyKey: 'k', workflowId: 'x1' }, 65536)).toThrow(
      /--id cannot/,
    );
    expect(() => prepareSubmission(def, { idempotencyKey: 'a\nb' }, 65536)).toThrow(/control characters/);
    expect(() => parse({ name: 'w', tasks: [{ name: 'a' }], idempotency_key: 7 })).toThrow(
      /'idempotency_key' must be a non-empty string/,
    );
  });
});
