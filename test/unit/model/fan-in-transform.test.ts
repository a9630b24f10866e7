/** sequentializeFanIn (reference §1.8) exactly, and fitFanIn (DECISIONS §4.14). */
import { describe, expect, it } from 'vitest';
import { fitFanIn, sequentializeFanIn } from '../../../src/model/fan-in.js';
import { validateDefinition } from '../../../src/model/validate.js';
import { taskMessageBytes } from '../../../src/model/message-size.js';
import { isJobqError } from '../../../src/errors.js';
import type { TaskDefinition, WorkflowDefinition } from '../../../src/model/types.js';

const task = (
  name: string,
  depends_on: string[] = [],
  extra: Partial<TaskDefinition> = {},
): TaskDefinition => ({
  name,
  kwargs: {},
  depends_on,
  queue: null,
  dep_policy: 'all',
  timeout_s: null,
  num_retries: 0,
  ...extra,
});
const wf = (tasks: TaskDefinition[]): WorkflowDefinition => ({
  name: 'w',
  tasks,
  default_queue: 'default',
  default_task_timeout_s: null,
  max_parallelism: null,
  result_policy: 'all_sinks_succeed',
});

describe('sequentializeFanIn', () => {
  it('rewrites a 5-parent sink with max_fan_in 2 exactly as the reference describes', () => {
    const input = wf([
      task('p0'),
      task('p1'),
      task('p2'),
      task('p3'),
      task('p4'),
      task('T', ['p0', 'p1', 'p2', 'p3', 'p4'], { queue: 'gpu' }),
    ]);
    const frozen = JSON.stringify(input);
    const out = sequentializeFanIn(input, 2);
    expect(JSON.stringify(input)).toBe(frozen);
    expect(out.tasks.map((x) => [x.name, x.depends_on])).toEqual([
      ['p0', []],
      ['p1', []],
      ['p2', ['__merge_T_0']],
      ['p3', ['__merge_T_0']],
      ['p4', ['__merge_T_1']],
      ['T', ['__merge_T_2']],
      ['__merge_T_0', ['p0', 'p1']],
      ['__merge_T_1', ['p2', 'p3', '__merge_T_0']],
      ['__merge_T_2', ['p4', '__merge_T_1']],
    ]);
    const merge = out.tasks[7];
    expect(merge).toEqual({
      name: '__merge_T_1',
      kwargs: { __batch_merge: true, __target: 'T', __batch: 1 },
      depends_on: ['p2', 'p3', '__merge_T_0'],
      queue: null,
      dep_policy: 'all',
      timeout_s: null,
      num_retries: 0,
    });
    expect(JSON.stringify(merge.kwargs)).toBe('{"__batch_merge":true,"__target":"T","__batch":1}');
    expect(out.tasks[5].queue).toBe('gpu');
    expect(() => validateDefinition(out)).not.toThrow();
  });

  it('keeps parents in declared order and existing dependencies of later-batch parents', () => {
    const out = sequentializeFanIn(
      wf([task('r'), task('b', ['r']), task('a', ['r']), task('c', ['r']), task('s', ['b', 'a', 'c'])]),
      2,
    );
    expect(out.tasks.find((x) => x.name === 'c')?.depends_on).toEqual(['r', '__merge_s_0']);
    expect(out.tasks.find((x) => x.name === '__merge_s_0')?.depends_on).toEqual(['b', 'a']);
  });

  it('returns the same definition when no task exceeds max_fan_in', () => {
    const input = wf([task('a'), task('b', ['a'])]);
    expect(sequentializeFanIn(input, 2)).toBe(input);
  });

  it('rewrites several wide tasks, appending merge nodes in task order', () => {
    const out = sequentializeFanIn(
      wf([
        task('a'),
        task('b'),
        task('c'),
        task('d'),
        task('x', ['a', 'b', 'c']),
        task('y', ['b', 'd', 'c']),
      ]),
      2,
    );
    expect(out.tasks.slice(6).map((x) => x.name)).toEqual([
      '__merge_x_0',
      '__merge_x_1',
      '__merge_y_0',
      '__merge_y_1',
    ]);
    expect(out.tasks.find((x) => x.name === 'c')?.depends_on).toEqual(['__merge_x_0', '__merge_y_0']);
    expect(() => validateDefinition(out)).not.toThrow();
  });

  it('can close a cycle, as the reference does, which validation reports', () => {
    // 'late' is an ancestor of 'early'; chaining makes 'late' wait for the merge that waits for 'early'.
    const input = wf([
      task('late'),
      task('early', ['late']),
      task('other'),
      task('s', ['early', 'other', 'late']),
    ]);
    expect(() => validateDefinition(sequentializeFanIn(input, 2))).toThrow(
      /^Cycle detected involving tasks: /,
    );
    expect(() => validateDefinition(sequentializeFanIn(input, 2, { chainBatches: false }))).not.toThrow();
  });

  it('refuses max_fan_in below 2', () => {
    expect(() => sequentializeFanIn(wf([task('a')]), 1)).toThrow('max_fan_in must be >= 2');
  });
});

describe('fitFanIn', () => {
  const opts = { maxMessageBytes: 65_536, workflowIdLength: 32 };
  const wide = (n: number) => {
    const parents = Array.from({ length: n }, (_, i) => task(`train/shard-${String(i).padStart(5, '0')}`));
    return wf([
      ...parents,
      task(
        'report',
        parents.map((p) => p.name),
        { kwargs: { cmd: 'echo done' } },
      ),
    ]);
  };

  it('leaves a definition whose messages fit unchanged', () => {
    const input = wide(100);
    expect(fitFanIn(input, opts)).toEqual({ def: input, maxFanIn: null });
  });

  it('rewrites a 5,000-parent sink with the largest fan-in that fits', () => {
    const { def, maxFanIn } = fitFanIn(wide(5000), opts);
    expect(maxFanIn).not.toBeNull();
    const m = maxFanIn as number;
    expect(() => validateDefinition(def, opts)).not.toThrow();
    // m + 1 would not fit any more: the choice is the largest (fewest merge nodes).
    expect(() => validateDefinition(sequentializeFanIn(wide(5000), m + 1), opts)).toThrow(
      /queue message limit/,
    );
    const merges = def.tasks.filter((x) => x.name.startsWith('__merge_report_'));
    expect(merges.length).toBe(Math.ceil(5000 / m));
    const biggest = Math.max(
      ...def.tasks.map((x) => taskMessageBytes('x'.repeat(32), x.name, x.kwargs, x.depends_on, 1)),
    );
    expect(biggest).toBeLessThanOrEqual(65_536);
  });

  it('drops the sequencing edges when they would close a cycle', () => {
    const parents = Array.from({ length: 5000 }, (_, i) =>
      task(`train/shard-${String(i).padStart(5, '0')}`, i === 0 ? ['train/shard-04999'] : []),
    );
    const input = wf([
      ...parents,
      task(
        'report',
        parents.map((p) => p.name),
      ),
    ]);
    const { def, maxFanIn } = fitFanIn(input, opts);
    expect(maxFanIn).not.toBeNull();
    expect(() => validateDefinition(def, opts)).not.toThrow();
  });

  it('refuses a task whose own kwargs are too large', () => {
    const input = wf([task('big', [], { kwargs: { data: 'x'.repeat(70_000) } })]);
    try {
      fitFanIn(input, opts);
      expect.unreachable();
    } catch (err) {
      expect(isJobqError(err, 'DefinitionError')).toBe(true);
      expect((err as Error).message).toContain('kwargs are too large');
    }
  });

  it('refuses to split a wide task whose meaning merge nodes would change', () => {
    const withCondition = wide(5000);
    withCondition.tasks[5000] = { ...withCondition.tasks[5000], condition: 'all(inputs["train/*"].ok)' };
    expect(() => fitFanIn(withCondition, opts)).toThrow(
      /cannot be split into merge nodes because it has a condition/,
    );
    const anyPolicy = wide(5000);
    anyPolicy.tasks[5000] = { ...anyPolicy.tasks[5000], dep_policy: 'any' };
    expect(() => fitFanIn(anyPolicy, opts)).toThrow(/because its dep_policy is 'any'/);
  });
});
