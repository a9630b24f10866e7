/** The checked-in JSON Schema is the one the zod model generates, and every example satisfies it and the parser. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderSchemaFile, SCHEMA_PATH } from '../../../src/model/schema-gen.js';
import { WorkflowDefinitionSchema } from '../../../src/model/schema.js';
import { loadDefinitionFile, parseDefinition } from '../../../src/model/load.js';
import { validateDefinition } from '../../../src/model/validate.js';

const ROOT = join(import.meta.dirname, '../../..');
const EXAMPLES = join(ROOT, 'examples');
type Schema = Record<string, unknown>;
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Schema;

/**
 * A small validator for exactly the JSON Schema keywords the generated schema uses; an unknown keyword
 * fails the test, so the schema cannot silently grow beyond what is checked here.
 */
function schemaErrors(value: unknown, s: Schema, path = '$'): string[] {
  const known = new Set([
    '$schema',
    '$id',
    '$defs',
    'title',
    'description',
    'default',
    'type',
    'properties',
    'required',
    'additionalProperties',
    'items',
    '$ref',
    'minItems',
    'minLength',
    'maxLength',
    'minimum',
    'maximum',
    'enum',
    'anyOf',
    'propertyNames',
    'pattern',
  ]);
  for (const k of Object.keys(s))
    if (!known.has(k)) throw new Error(`schema keyword ${k} not understood by the test validator`);
  if (typeof s.$ref === 'string')
    return schemaErrors(
      value,
      (schema.$defs as Record<string, Schema>)[s.$ref.replace('#/$defs/', '')],
      path,
    );
  if (Array.isArray(s.anyOf)) {
    return (s.anyOf as Schema[]).some((alt) => schemaErrors(value, alt, path).length === 0)
      ? []
      : [`${path}: matches no alternative`];
  }
  const errors: string[] = [];
  const types = s.type === undefined ? null : ([] as string[]).concat(s.type as string);
  const actual =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : Number.isInteger(value)
          ? 'integer'
          : typeof value;
  if (types && !types.includes(actual) && !(actual === 'integer' && types.includes('number')))
    return [`${path}: expected ${types}, got ${actual}`];
  if (s.enum && !(s.enum as unknown[]).includes(value)) errors.push(`${path}: not in enum`);
  if (typeof value === 'string' && typeof s.minLength === 'number' && value.length < s.minLength)
    errors.push(`${path}: too short`);
  if (typeof value === 'string' && typeof s.maxLength === 'number' && value.length > s.maxLength)
    errors.push(`${path}: too long`);
  if (typeof value === 'string' && typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value))
    errors.push(`${path}: does not match ${s.pattern}`);
  if (typeof value === 'number' && typeof s.minimum === 'number' && value < s.minimum)
    errors.push(`${path}: below minimum`);
  if (typeof value === 'number' && typeof s.maximum === 'number' && value > s.maximum)
    errors.push(`${path}: above maximum`);
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) errors.push(`${path}: too few items`);
    if (s.items) value.forEach((v, i) => errors.push(...schemaErrors(v, s.items as Schema, `${path}[${i}]`)));
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!(r in obj)) errors.push(`${path}: missing ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...schemaErrors(v, props[k], `${path}.${k}`));
      else if (s.additionalProperties === false) errors.push(`${path}: unexpected property ${k}`);
    }
  }
  return errors;
}

const exampleFiles = readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f));
const readDoc = (file: string): unknown => {
  const text = readFileSync(join(EXAMPLES, file), 'utf8');
  return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
};

describe('schemas/workflow-definition.schema.json', () => {
  it('is exactly what `npm run schema` generates from the zod model', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderSchemaFile());
  });

  it('is draft 2020-12 with every parser field and the parser defaults (DECISIONS §4.10)', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const top = schema.properties as Record<string, Schema>;
    expect(Object.keys(top).sort()).toEqual([
      '$schema',
      'default_queue',
      'default_task_timeout_s',
      'idempotency_key',
      'max_parallelism',
      'name',
      'result_policy',
      'tasks',
    ]);
    expect(top.default_queue.default).toBe('default');
    expect(top.result_policy.default).toBe('all_sinks_succeed');
    expect(top.max_parallelism.default).toBeNull();
    const taskProps = ((schema.$defs as Record<string, Schema>).task.properties ?? {}) as Record<
      string,
      Schema
    >;
    expect(Object.keys(taskProps).sort()).toEqual([
      'cache',
      'condition',
      'dep_policy',
      'depends_on',
      'kwargs',
      'mutex',
      'name',
      'num_retries',
      'queue',
      'semaphore',
      'timeout_s',
    ]);
    expect(taskProps.num_retries.default).toBe(0);
    expect(taskProps.dep_policy.default).toBe('all');
    expect(schema.required).toEqual(['name', 'tasks']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('agrees with the parser on accepted and rejected documents', () => {
    const accepted = [
      { name: 'w', tasks: [{ name: 'a', condition: null, dep_policy: 2, timeout_s: 3 }] },
      {
        name: 'w',
        idempotency_key: 'nightly-1',
        tasks: [
          { name: 'a', cache: true, mutex: 'db' },
          { name: 'b', depends_on: ['a'], cache: { key: 'k-{inputs.a.v}', ttl_s: 60, version: 'v2' } },
          { name: 'c', semaphore: 'gpu' },
        ],
      },
    ];
    const rejected = [
      { name: 'w', tasks: [] },
      { name: 'w', tasks: [{ name: 'a', retries: 1 }] },
      { name: 'w', tasks: [{ name: 'a' }], extra: 1 },
      { name: 'w', tasks: [{ name: 'a', num_retries: -1 }] },
      { name: 'w', tasks: [{ name: 'a', dep_policy: 'most' }] },
      { name: 'w', tasks: [{ name: 'a' }], result_policy: 'x' },
      { name: 'w', tasks: [{ name: 'a', timeout_s: 0 }] },
      { name: 'w', tasks: [{ name: 'a', cache: 'yes' }] },
      { name: 'w', tasks: [{ name: 'a', cache: { ttl_s: 0 } }] },
      { name: 'w', tasks: [{ name: 'a', cache: { keys: 'x' } }] },
      { name: 'w', tasks: [{ name: 'a', mutex: 'bad name!' }] },
      { name: 'w', tasks: [{ name: 'a', semaphore: 3 }] },
      { name: 'w', tasks: [{ name: 'a' }], idempotency_key: '' },
    ];
    for (const doc of accepted) {
      expect(schemaErrors(doc, schema)).toEqual([]);
      expect(() => parseDefinition(doc, 'x.json')).not.toThrow();
    }
    for (const doc of rejected) {
      expect(schemaErrors(doc, schema).length).toBeGreaterThan(0);
      expect(() => parseDefinition(doc, 'x.json')).toThrow();
      expect(WorkflowDefinitionSchema.safeParse(doc).success).toBe(false);
    }
  });
});

describe('examples/', () => {
  it('holds the documented examples', () => {
    for (const f of [
      'diamond.yaml',
      'fan-out-fan-in.json',
      'conditional-branch.yaml',
      'retries.yaml',
      'ml-pipeline.yaml',
      'failing.yaml',
    ]) {
      expect(exampleFiles).toContain(f);
    }
  });

  it.each(exampleFiles)(
    '%s satisfies the JSON Schema, the zod model, the parser and validation',
    async (file) => {
      const doc = readDoc(file);
      expect(schemaErrors(doc, schema)).toEqual([]);
      expect(WorkflowDefinitionSchema.safeParse(doc).success).toBe(true);
      const def = await loadDefinitionFile(join(EXAMPLES, file));
      expect(() => validateDefinition(def)).not.toThrow();
    },
  );

  it.each(exampleFiles.filter((f) => /\.ya?ml$/.test(f)))(
    '%s opts into editor validation on its first line',
    (file) => {
      const first = readFileSync(join(EXAMPLES, file), 'utf8').split('\n')[0];
      expect(first).toBe('# yaml-language-server: $schema=../schemas/workflow-definition.schema.json');
    },
  );

  it('ml-pipeline uses prefix-grouped names, a fan-out, a condition and a retry', async () => {
    const def = await loadDefinitionFile(join(EXAMPLES, 'ml-pipeline.yaml'));
    const names = def.tasks.map((t) => t.name);
    for (const group of ['prep/', 'train/', 'eval/'])
      expect(names.some((n) => n.startsWith(group))).toBe(true);
    expect(def.tasks.filter((t) => t.depends_on.includes('prep/clean')).length).toBeGreaterThanOrEqual(3);
    expect(def.tasks.some((t) => t.condition)).toBe(true);
    expect(
      def.tasks.some((t) => t.num_retries > 0 && String(t.kwargs.cmd).includes('JOBQ_WORKFLOW_ATTEMPT')),
    ).toBe(true);
  });
});
