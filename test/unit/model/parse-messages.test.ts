/** Every parse message of reference §1.2–1.3, in check order, with the `<source>: tasks[i] (name):` prefix. */
import { describe, expect, it } from 'vitest';
import { loadDefinitionFile, parseDefinition } from '../../../src/model/load.js';
import { parseDefinitionText } from '../../../src/model/parse-text.js';
import { isJobqError } from '../../../src/errors.js';

const task = (extra: Record<string, unknown> = {}) => ({ name: 't', ...extra });
const wf = (extra: Record<string, unknown> = {}) => ({ name: 'w', tasks: [task()], ...extra });

function parseError(doc: unknown): string {
  try {
    parseDefinition(doc, 'wf.yaml');
  } catch (err) {
    expect(isJobqError(err, 'DefinitionError')).toBe(true);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('expected a DefinitionError');
}

describe('workflow-level parse errors', () => {
  it.each([
    [[1, 2], 'wf.yaml: expected a mapping, got list'],
    ['text', 'wf.yaml: expected a mapping, got str'],
    [null, 'wf.yaml: expected a mapping, got NoneType'],
    [{ ...wf(), zeta: 1, alpha: 2 }, "wf.yaml: unknown workflow fields: ['alpha', 'zeta']"],
    [{ tasks: [task()] }, "wf.yaml: 'name' is required"],
    [{ name: 5, tasks: [task()] }, "wf.yaml: 'name' must be a string"],
    [{ name: 'w' }, "wf.yaml: 'tasks' is required"],
    [{ name: 'w', tasks: { a: 1 } }, "wf.yaml: 'tasks' must be a list"],
    [{ name: 'w', tasks: [] }, "wf.yaml: 'tasks' must not be empty"],
    [wf({ default_queue: 3 }), "wf.yaml: 'default_queue' must be a string"],
    [wf({ default_task_timeout_s: 'x' }), "wf.yaml: 'default_task_timeout_s' must be an integer or null"],
    [wf({ default_task_timeout_s: 1.5 }), "wf.yaml: 'default_task_timeout_s' must be an integer or null"],
    [wf({ default_task_timeout_s: 0 }), "wf.yaml: 'default_task_timeout_s' must be >= 1 or null, got 0"],
    [wf({ max_parallelism: 0 }), "wf.yaml: 'max_parallelism' must be a positive integer or null, got 0"],
    [
      wf({ max_parallelism: true }),
      "wf.yaml: 'max_parallelism' must be a positive integer or null, got True",
    ],
    [wf({ max_parallelism: '4' }), "wf.yaml: 'max_parallelism' must be a positive integer or null, got '4'"],
    [
      wf({ result_policy: 'best' }),
      "wf.yaml: 'result_policy' must be 'all_sinks_succeed' or 'all_tasks_succeed', got 'best'",
    ],
    [{ name: 'w', tasks: [task(), { name: 'u' }, task()] }, "wf.yaml: tasks[2]: Duplicate task name: 't'"],
  ])('%j → %s', (doc, message) => {
    expect(parseError(doc)).toBe(message);
  });

  it('checks in reference order (unknown fields before a missing name)', () => {
    expect(parseError({ bogus: 1 })).toBe("wf.yaml: unknown workflow fields: ['bogus']");
    expect(parseError({ name: 1, tasks: 'x' })).toBe("wf.yaml: 'name' must be a string");
  });

  it('reports duplicates before per-task errors', () => {
    expect(parseError({ name: 'w', tasks: [task({ kwargs: 1 }), task()] })).toBe(
      "wf.yaml: tasks[1]: Duplicate task name: 't'",
    );
  });

  it('allows a top-level $schema key (DECISIONS §4.10)', () => {
    const def = parseDefinition(
      { $schema: '../schemas/workflow-definition.schema.json', ...wf() },
      'wf.json',
    );
    expect(def.name).toBe('w');
    expect(Object.keys(def)).not.toContain('$schema');
  });
});

describe('task-level parse errors', () => {
  it.each([
    [5, 'wf.yaml: tasks[0]: expected a mapping, got int'],
    [task({ command: 'x', tags: [] }), "wf.yaml: tasks[0]: unknown task fields: ['command', 'tags']"],
    [{ kwargs: {} }, "wf.yaml: tasks[0]: 'name' is required"],
    [{ name: 7 }, "wf.yaml: tasks[0]: 'name' must be a string"],
    [{ name: '  ' }, "wf.yaml: tasks[0]: 'name' must not be empty"],
    [task({ kwargs: [] }), "wf.yaml: tasks[0] (t): 'kwargs' must be a mapping"],
    [task({ depends_on: 'a' }), "wf.yaml: tasks[0] (t): 'depends_on' must be a list"],
    [task({ depends_on: ['a', 3] }), 'wf.yaml: tasks[0] (t): depends_on[1] must be a string'],
    [task({ queue: 5 }), "wf.yaml: tasks[0] (t): 'queue' must be a string or null"],
    [
      task({ dep_policy: 1.5 }),
      "wf.yaml: tasks[0] (t): 'dep_policy' must be 'all', 'any', 'all_settled', or int",
    ],
    [
      task({ dep_policy: true }),
      "wf.yaml: tasks[0] (t): 'dep_policy' must be 'all', 'any', 'all_settled', or int",
    ],
    [
      task({ dep_policy: 'most' }),
      "wf.yaml: tasks[0] (t): 'dep_policy' string must be 'all', 'any', or 'all_settled'",
    ],
    [task({ timeout_s: '10' }), "wf.yaml: tasks[0] (t): 'timeout_s' must be an integer or null"],
    [task({ timeout_s: 0 }), "wf.yaml: tasks[0] (t): 'timeout_s' must be >= 1 or null, got 0"],
    [task({ num_retries: 'twice' }), "wf.yaml: tasks[0] (t): 'num_retries' must be an integer"],
    [task({ num_retries: null }), null],
    [task({ num_retries: -1 }), "wf.yaml: tasks[0] (t): 'num_retries' must be >= 0, got -1"],
    [task({ condition: 3 }), "wf.yaml: tasks[0] (t): 'condition' must be a string expression"],
  ])('%j → %s', (t, message) => {
    const doc = { name: 'w', tasks: [t] };
    if (message === null) {
      expect(parseDefinition(doc, 'wf.yaml').tasks[0].num_retries).toBe(0);
      return;
    }
    expect(parseError(doc)).toBe(message);
  });

  it('uses the task index of the failing task', () => {
    expect(parseError({ name: 'w', tasks: [task(), { name: 'second', kwargs: 'x' }] })).toBe(
      "wf.yaml: tasks[1] (second): 'kwargs' must be a mapping",
    );
  });
});

describe('defaults', () => {
  it('fills every default of reference §1.2–1.3 (num_retries 0 = no retries)', () => {
    const def = parseDefinition({ name: 'w', tasks: [{ name: 'a' }] }, 'x.json');
    expect(def).toEqual({
      name: 'w',
      default_queue: 'default',
      default_task_timeout_s: null,
      max_parallelism: null,
      result_policy: 'all_sinks_succeed',
      tasks: [
        {
          name: 'a',
          kwargs: {},
          depends_on: [],
          queue: null,
          dep_policy: 'all',
          timeout_s: null,
          num_retries: 0,
        },
      ],
    });
  });

  it('keeps given values and treats null/empty conditions as none', () => {
    const def = parseDefinition(
      {
        name: 'w',
        default_queue: 'cpu',
        default_task_timeout_s: 60,
        max_parallelism: 3,
        result_policy: 'all_tasks_succeed',
        tasks: [
          { name: 'a', condition: null, queue: null },
          {
            name: 'b',
            depends_on: ['a'],
            dep_policy: 1,
            queue: 'gpu',
            timeout_s: 5,
            num_retries: 2,
            condition: 'inputs.a.ok',
            kwargs: { cmd: 'x' },
          },
          { name: 'c', depends_on: ['a'], condition: '' },
        ],
      },
      'x.json',
    );
    expect(def.default_queue).toBe('cpu');
    expect(def.max_parallelism).toBe(3);
    expect(def.result_policy).toBe('all_tasks_succeed');
    expect('condition' in def.tasks[0]).toBe(false);
    expect(def.tasks[1]).toEqual({
      name: 'b',
      kwargs: { cmd: 'x' },
      depends_on: ['a'],
      queue: 'gpu',
      dep_policy: 1,
      timeout_s: 5,
      num_retries: 2,
      condition: 'inputs.a.ok',
    });
    expect('condition' in def.tasks[2]).toBe(false);
  });
});

describe('parseDefinitionText', () => {
  it('reads YAML for .yaml/.yml and JSON otherwise', () => {
    expect(parseDefinitionText('name: w\ntasks:\n  - name: a\n', 'x.yml').tasks[0].name).toBe('a');
    expect(parseDefinitionText('{"name":"w","tasks":[{"name":"a"}]}', 'x.json').tasks[0].name).toBe('a');
    expect(parseDefinitionText('{"name":"w","tasks":[{"name":"a"}]}', 'x.def').tasks[0].name).toBe('a');
  });

  it('reports malformed text in one line naming the file and format', () => {
    expect(() => parseDefinitionText('name: [unclosed', 'x.yaml')).toThrow(/^x\.yaml: invalid YAML: [^\n]+$/);
    expect(() => parseDefinitionText('{"name": ', 'x.json')).toThrow(/^x\.json: invalid JSON: [^\n]+$/);
    expect(() => parseDefinitionText('name: w\ntasks: []\n', 'x.json')).toThrow('x.json: invalid JSON');
  });

  it('rejects duplicate YAML keys instead of silently keeping the last one', () => {
    expect(() => parseDefinitionText('name: a\nname: b\ntasks:\n  - name: t\n', 'x.yaml')).toThrow(
      /invalid YAML/,
    );
  });

  it('a YAML scalar document is not a mapping', () => {
    expect(() => parseDefinitionText('just text', 'x.yaml')).toThrow('x.yaml: expected a mapping, got str');
  });
});

describe('loadDefinitionFile', () => {
  it('explains a missing file or a directory in one line', async () => {
    await expect(loadDefinitionFile('test/fixtures/definitions/nope.yaml')).rejects.toThrow(
      /^test\/fixtures\/definitions\/nope\.yaml: no such file$/,
    );
    await expect(loadDefinitionFile('test/fixtures/definitions')).rejects.toThrow(
      'test/fixtures/definitions: is a directory, not a definition file',
    );
  });

  it('loads YAML fixtures with the file name as source', async () => {
    await expect(loadDefinitionFile('test/fixtures/definitions/not-a-mapping.yaml')).rejects.toThrow(
      'test/fixtures/definitions/not-a-mapping.yaml: expected a mapping, got list',
    );
  });
});
