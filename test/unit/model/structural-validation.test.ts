/** validateDefinition: reference §1.4 messages in order, DECISIONS §4.13 names, message size, linear time. */
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../../src/model/validate.js';
import { isJobqError } from '../../../src/errors.js';
import type { TaskDefinition, WorkflowDefinition } from '../../../src/model/types.js';

type T = Partial<TaskDefinition> & { name: string };
const t = (name: string, depends_on: string[] = [], extra: Partial<TaskDefinition> = {}): T => ({
  name,
  depends_on,
  ...extra,
});

function def(tasks: T[], extra: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  return {
    name: 'w',
    default_queue: 'default',
    default_task_timeout_s: null,
    max_parallelism: null,
    result_policy: 'all_sinks_succeed',
    tasks: tasks.map((x) => ({
      kwargs: {},
      depends_on: [],
      queue: null,
      dep_policy: 'all',
      timeout_s: null,
      num_retries: 0,
      ...x,
    })),
    ...extra,
  };
}

function validationError(d: WorkflowDefinition, opts?: Parameters<typeof validateDefinition>[1]): string {
  try {
    validateDefinition(d, opts);
  } catch (err) {
    expect(isJobqError(err, 'DefinitionError')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a DefinitionError');
}

describe('reference §1.4 checks', () => {
  it('1. workflow name must not be blank', () => {
    expect(validationError(def([t('a')], { name: '  ' }))).toBe('workflow name must be a non-empty string');
  });

  it('2. task names must not be blank', () => {
    const d = def([t('a')]);
    d.tasks.push({ ...d.tasks[0], name: ' ' });
    expect(validationError(d)).toBe('task name must be a non-empty string');
  });

  it('3. max_parallelism', () => {
    expect(validationError(def([t('a')], { max_parallelism: 0 }))).toBe(
      'max_parallelism must be >= 1 when set; got 0. Use None for unlimited.',
    );
    expect(validationError(def([t('a')], { max_parallelism: 'x' as unknown as number }))).toBe(
      'max_parallelism must be a positive int or None, got x (string)',
    );
  });

  it('4. unique names', () => {
    const d = def([t('a')]);
    d.tasks.push({ ...d.tasks[0] });
    expect(validationError(d)).toBe("Duplicate task name: 'a'");
  });

  it('5. dependencies exist', () => {
    expect(validationError(def([t('a'), t('b', ['a', 'ghost'])]))).toBe(
      "Task 'b' depends on 'ghost' which does not exist",
    );
  });

  it('6. no self-dependency', () => {
    expect(validationError(def([t('a'), t('b', ['b'])]))).toBe("Task 'b' depends on itself");
  });

  it('rejects a dependency listed twice (it would count twice for dep_policy)', () => {
    expect(validationError(def([t('a'), t('b', ['a', 'a'])]))).toBe(
      "Task 'b' lists dependency 'a' more than once",
    );
  });

  it('7. cycles name the tasks left with dependencies, in declared order', () => {
    expect(
      validationError(
        def([t('root'), t('x', ['root', 'z']), t('y', ['x']), t('z', ['y']), t('after', ['z'])]),
      ),
    ).toBe("Cycle detected involving tasks: ['x', 'y', 'z', 'after']");
  });

  it('7. a huge cycle report stays one line', () => {
    const n = 500;
    const tasks = [t('r'), ...Array.from({ length: n }, (_, i) => t(`c${i}`, [`c${(i + 1) % n}`]))];
    const msg = validationError(def(tasks));
    expect(msg).toMatch(/^Cycle detected involving tasks: \['c0', .*\.\.\. \(450 more\)\]$/);
  });

  it('8. at least one root (a cycle among all tasks is reported first)', () => {
    expect(validationError(def([t('a', ['b']), t('b', ['a'])]))).toBe(
      "Cycle detected involving tasks: ['a', 'b']",
    );
  });

  it('9. dep_policy ints and strings', () => {
    expect(validationError(def([t('a'), t('b', ['a'], { dep_policy: 0 })]))).toBe(
      "Task 'b': dep_policy int must be >= 1, got 0",
    );
    expect(validationError(def([t('a'), t('b', ['a'], { dep_policy: 2 })]))).toBe(
      "Task 'b': dep_policy=2 but only 1 dependencies",
    );
    expect(validationError(def([t('a'), t('b', ['a'], { dep_policy: 'most' as 'all' })]))).toBe(
      "Task 'b': dep_policy must be 'all', 'any', 'all_settled', or int, got most",
    );
    expect(() =>
      validateDefinition(def([t('a'), t('c'), t('b', ['a', 'c'], { dep_policy: 2 })])),
    ).not.toThrow();
    expect(() =>
      validateDefinition(def([t('a'), t('b', ['a'], { dep_policy: 'all_settled' })])),
    ).not.toThrow();
  });

  it('10. conditions need a dependency, no merge parent, and a valid expression', () => {
    expect(validationError(def([t('a', [], { condition: 'inputs.a.x' })]))).toBe(
      "Task 'a': condition requires at least one dependency",
    );
    expect(validationError(def([t('a'), t('b', ['a'], { condition: 'inputs.c.x' })]))).toBe(
      "Task 'b': Condition references tasks not in depends_on: ['c']",
    );
    expect(validationError(def([t('a'), t('b', ['a'], { condition: 'inputs.a.x +' })]))).toMatch(
      /^Task 'b': Condition syntax error: /,
    );
    expect(validationError(def([t('a'), t('b', ['a'], { condition: 'os.system' })]))).toBe(
      "Task 'b': Unknown variable: 'os'",
    );
    expect(() =>
      validateDefinition(def([t('a'), t('b', ['a'], { condition: 'inputs.a.x > -1' })])),
    ).not.toThrow();
  });

  it('10. a condition over a merge node is refused with the fan-in explanation', () => {
    const d = def([
      t('a'),
      t('b'),
      t('__merge_sink_0', ['a', 'b'], { kwargs: { __batch_merge: true, __target: 'sink', __batch: 0 } }),
      t('sink', ['__merge_sink_0'], { condition: 'all(inputs.*.ok)' }),
    ]);
    expect(validationError(d)).toMatch(
      /^Task 'sink': condition is incompatible with sequentialize_fan_in: .*--max-fan-in$/,
    );
  });

  it('checks in order: names before references before cycles', () => {
    expect(validationError(def([t('a', ['ghost']), t('b', ['b'])]))).toBe(
      "Task 'a' depends on 'ghost' which does not exist",
    );
  });
});

describe('name rules (DECISIONS §4.13)', () => {
  it.each([
    ['../escape', "task name must not contain a '..' path segment"],
    ['a/./b', "task name must not contain a '.' path segment"],
    ['/abs', "task name must not start or end with '/'"],
    ['a//b', "task name must not contain '//' (empty path segment)"],
    ['a\\b', "task name must not contain '\\'"],
    ['a#b', "task name must not contain '#'"],
    ['a?b', "task name must not contain '?'"],
    ['a\u0001b', 'task name must not contain control characters'],
    ['__jobq_control__', "task names starting with '__jobq' are reserved for jobq"],
    ['x'.repeat(257), 'task name is 257 characters long; the limit is 256'],
    ['__proto__', "'__proto__' is not allowed as a task name"],
  ])('refuses %j', (name, reason) => {
    expect(validationError(def([t(name)]))).toContain(reason);
  });

  it('refuses hand-written merge names and merge kwargs', () => {
    expect(validationError(def([t('__merge_x_0')]))).toContain("names starting with '__merge_' are reserved");
    expect(validationError(def([t('a', [], { kwargs: { __batch_merge: true } })]))).toContain(
      "'__batch_merge' kwarg is reserved",
    );
  });

  it('accepts prefix-grouped and punctuated names', () => {
    expect(() =>
      validateDefinition(
        def([t('prep/clean'), t('train/rf v2.1', ['prep/clean']), t('eval:all@x', ['train/rf v2.1'])]),
      ),
    ).not.toThrow();
  });

  it('refuses queue names with spaces or an empty default queue (full rules: queue-names.test.ts)', () => {
    expect(validationError(def([t('a', [], { queue: 'my queue' })]))).toContain(
      "tasks[0] (a): queue: 'my queue' is not a valid queue name",
    );
    expect(validationError(def([t('a')], { default_queue: '' }))).toContain(
      "default_queue: '' is not a valid queue name",
    );
  });
});

describe('task message size (reference §4.7, 64 KiB)', () => {
  const wide = (n: number, nameLen = 20) => {
    const parents = Array.from({ length: n }, (_, i) => t(`p${String(i).padStart(nameLen - 1, '0')}`));
    return def([
      ...parents,
      t(
        'sink',
        parents.map((p) => p.name),
      ),
    ]);
  };

  it('accepts a fan-in that fits and refuses one that does not, with the --max-fan-in advice', () => {
    expect(() => validateDefinition(wide(1000))).not.toThrow();
    expect(validationError(wide(5000))).toMatch(
      /^Task 'sink': its task message would be \d+ bytes with 5000 dependencies, over the 65536-byte queue message limit; use --max-fan-in N/,
    );
  });

  it('skips only the size check with checkMessageSize: false (submit fits the fan-in afterwards)', () => {
    expect(() => validateDefinition(wide(5000), { checkMessageSize: false })).not.toThrow();
    expect(validationError(def([t('a', ['ghost'])]), { checkMessageSize: false })).toContain(
      'does not exist',
    );
  });

  it('honours a different limit and workflow ID length', () => {
    expect(validationError(wide(100), { maxMessageBytes: 2000 })).toContain(
      'over the 2000-byte queue message limit',
    );
    expect(() =>
      validateDefinition(wide(100), { maxMessageBytes: 4000, workflowIdLength: 32 }),
    ).not.toThrow();
  });

  it('refuses a task whose own kwargs are too large, without fan-in advice', () => {
    const msg = validationError(def([t('big', [], { kwargs: { blob: 'x'.repeat(70_000) } })]));
    expect(msg).toMatch(/^Task 'big': its kwargs are too large: the task message would be \d+ bytes/);
    expect(msg).not.toContain('--max-fan-in');
  });

  it('counts escaping: a quote in kwargs costs four bytes (escaped twice)', () => {
    expect(() => validateDefinition(def([t('q', [], { kwargs: { s: '"'.repeat(16_000) } })]))).not.toThrow();
    expect(validationError(def([t('q', [], { kwargs: { s: '"'.repeat(16_500) } })]))).toContain(
      'kwargs are too large',
    );
  });
});

describe('scale', () => {
  it('validates 100,000 tasks (chains and fan-ins) without recursion or quadratic work', () => {
    const tasks: T[] = [];
    for (let g = 0; g < 1000; g++) {
      tasks.push(t(`g${g}/root`));
      for (let i = 0; i < 98; i++) tasks.push(t(`g${g}/c${i}`, [i === 0 ? `g${g}/root` : `g${g}/c${i - 1}`]));
      tasks.push(
        t(
          `g${g}/sink`,
          Array.from({ length: 98 }, (_, i) => `g${g}/c${i}`),
        ),
      );
    }
    // A 100,000-deep chain also must not overflow the stack.
    const chain: T[] = Array.from({ length: 100_000 }, (_, i) => t(`n${i}`, i ? [`n${i - 1}`] : []));
    expect(() => validateDefinition(def(tasks))).not.toThrow();
    expect(() => validateDefinition(def(chain))).not.toThrow();
  });
});
