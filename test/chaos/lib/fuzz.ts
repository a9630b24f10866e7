/** fast-check generators of hostile definitions and queue messages for the bad-input sweep. */
import fc from 'fast-check';

/** A small valid definition document (JSON form, as a user writes it). */
export function validDefinitionDoc(): Record<string, unknown> {
  return {
    name: 'fuzz-base',
    tasks: [
      { name: 'a', kwargs: { cmd: 'true' } },
      { name: 'b', depends_on: ['a'], kwargs: { cmd: 'true' } },
      {
        name: 'c',
        depends_on: ['a', 'b'],
        dep_policy: 'any',
        condition: 'inputs.a.x > 1',
        kwargs: { cmd: 'true' },
      },
    ],
  };
}

const HOSTILE_NAMES = [
  '',
  ' ',
  '../escape',
  'a/../../b',
  '/abs',
  'x'.repeat(3000),
  '__merge_0',
  'nul\u0000byte',
  'line\nbreak',
  '😀',
  '%2e%2e',
  'con',
  '.',
  '..',
  'a\\b',
  '$(rm -rf /)',
  'a'.repeat(300) + '/b',
];
const HOSTILE_CONDITIONS = [
  "__import__('os').system('x')",
  'inputs.a.x +',
  '(',
  'lambda: 1',
  'inputs.zzz.x > 1',
  'open("/etc/passwd")',
  'inputs.a.x if 1 else 2',
  '1'.repeat(5000),
  '',
  'inputs["a"].__class__',
  '[x for x in inputs]',
];

type Mutation = (doc: Record<string, unknown>) => void;

/** The document's task objects; a scratch list once an earlier mutation broke `tasks`. */
function tasksOf(doc: Record<string, unknown>): Record<string, unknown>[] {
  const tasks = Array.isArray(doc.tasks) ? doc.tasks : [];
  while (tasks.length < 3) tasks.push({});
  return tasks.map((t, i) => {
    if (t !== null && typeof t === 'object' && !Array.isArray(t)) return t as Record<string, unknown>;
    return (tasks[i] = {}) as Record<string, unknown>;
  });
}

/** One mutation of a valid document; several are applied per case. */
function mutation(): fc.Arbitrary<Mutation> {
  const field = fc.constantFrom(
    'name',
    'kwargs',
    'depends_on',
    'queue',
    'dep_policy',
    'timeout_s',
    'num_retries',
    'condition',
    'bogus',
  );
  const top = fc.constantFrom(
    'name',
    'tasks',
    'default_queue',
    'default_task_timeout_s',
    'max_parallelism',
    'result_policy',
    'extra',
  );
  return fc.oneof(
    fc.tuple(top, fc.jsonValue()).map(
      ([k, v]) =>
        (d: Record<string, unknown>) =>
          void (d[k] = v),
    ),
    fc.tuple(fc.nat(2), field, fc.jsonValue()).map(
      ([i, k, v]) =>
        (d: Record<string, unknown>) =>
          void (tasksOf(d)[i][k] = v),
    ),
    fc.tuple(fc.nat(2), fc.constantFrom(...HOSTILE_NAMES)).map(
      ([i, n]) =>
        (d: Record<string, unknown>) =>
          void (tasksOf(d)[i].name = n),
    ),
    fc.tuple(fc.nat(2), fc.constantFrom(...HOSTILE_CONDITIONS)).map(
      ([i, c]) =>
        (d: Record<string, unknown>) =>
          void (tasksOf(d)[i].condition = c),
    ),
    fc.constantFrom<Mutation>(
      (d) => void (tasksOf(d)[0].depends_on = ['c']), // cycle a → b/c → a
      (d) => void (tasksOf(d)[1].depends_on = ['b']), // self-dependency
      (d) => void (tasksOf(d)[2].depends_on = ['nope']),
      (d) => void tasksOf(d).push({ ...tasksOf(d)[0] }), // duplicate name
      (d) => void (tasksOf(d)[0].kwargs = { cmd: 'x'.repeat(70 * 1024) }), // task message > 64 KiB
      (d) => void (d.tasks = []),
      (d) => void (d.max_parallelism = -3),
      (d) => void (d.name = HOSTILE_NAMES[0]),
      (d) => void (tasksOf(d)[2].dep_policy = 99),
    ),
  );
}

/** A definition document with 1–3 hostile mutations (often, but not always, invalid). */
export function hostileDefinition(): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 9,
      arbitrary: fc.array(mutation(), { minLength: 1, maxLength: 3 }).map((ms) => {
        const doc = structuredClone(validDefinitionDoc());
        for (const m of ms) m(doc);
        return doc as unknown;
      }),
    },
    { weight: 1, arbitrary: fc.jsonValue() },
  );
}

/**
 * Characters XML 1.0 cannot carry. Azure refuses a queue message containing them at send; Azurite
 * accepts it and then returns an empty list on every receive of that queue until it expires, so such a
 * body is not a message jobq can ever be handed (and JSON-encoded jobq messages never contain them).
 */
const XML_INVALID =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Queue message bodies that are broken in many ways: text, JSON of the wrong shape, broken envelopes. */
export function hostileMessage(): fc.Arbitrary<string> {
  const envelope = (kwargs: unknown) => JSON.stringify({ id: 'x', task_name: 'x', kwargs, num_retries: 0 });
  return fc
    .oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.jsonValue().map((v) => envelope(v)),
      fc.jsonValue().map((v) => envelope({ __completion_body: v })),
      fc.jsonValue().map((v) => envelope({ __workflow_id: v, __workflow_task: 7 })),
      fc.constantFrom(
        '{',
        '[]',
        'null',
        '"',
        '{"kwargs": "{\\"__completion_body\\": 1}"}',
        'x'.repeat(40_000),
      ),
    )
    .map((body) => body.replace(XML_INVALID, ''))
    .filter((body) => body.length > 0);
}
