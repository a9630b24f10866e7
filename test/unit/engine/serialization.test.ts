import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import type { DefinitionDocV1, LegacyDocV1, StateDocV1 } from '../../../src/wire/docs.js';
import { T0, def, fail, ok, started } from './helpers.js';
import { DEF_KEYS, DEF_TASK_KEYS, STATE_KEYS, STATE_TASK_KEYS } from '../../support/reference-doc-keys.js';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../fixtures/docs/${name}`, import.meta.url), 'utf8')) as T;

const STATE_TASK_KEY_SET = new Set(STATE_TASK_KEYS);
// Python's datetime.fromisoformat on 3.7+: no trailing Z, explicit offset.
const PY_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?\+00:00$/;

describe('golden v1 documents written by the reference', () => {
  const refDef = fixture<DefinitionDocV1>('reference-definition.json');
  const refState = fixture<StateDocV1>('reference-state.json');

  it('loads task states, attempts, outputs, errors and activation', () => {
    const rt = WorkflowRuntime.fromDocs(refDef, refState);
    expect(rt.activated).toBe(true);
    expect(rt.state).toBe('running');
    expect(rt.taskState('prep')).toBe('completed');
    expect(rt.taskState('train-b')).toBe('running');
    expect(rt.taskAttempt('train-b')).toBe(2);
    expect(rt.taskStatus('train-b').error).toBe('CUDA out of memory');
    expect(rt.taskStatus('eval').completed_deps).toBe(1);
    expect(rt.depPolicy('report')).toBe(1);
    expect(rt.taskQueue('train-a')).toBe('myaccount/gpu');
    expect(rt.parentOutputRefs('eval')).toEqual([
      ['train-a', 'blob:3f9c2a6e0b7d4c1e8a5f6b2d9e0c1a47/train-a.json'],
      ['train-b', null],
    ]);
    expect(rt.hasTask('removed-task')).toBe(false);
    expect(rt.summary()).toMatchObject({ total: 5, completed: 2, running: 1, pending: 2 });
    expect(JSON.parse(rt.taskKwargsJson('prep'))).toEqual({ cmd: 'python prep.py', env: { SPLIT: '0.8' } });
  });

  it('writes the definition document back unchanged, with the reference key sets', () => {
    const out = WorkflowRuntime.fromDocs(refDef, refState).toDefinitionDoc();
    expect(out).toEqual(refDef);
    expect(Object.keys(out)).toEqual(DEF_KEYS);
    for (const t of Object.values(out.tasks)) expect(Object.keys(t)).toEqual(DEF_TASK_KEYS);
  });

  it('writes the compact state document (defaults and pending tasks omitted, non-zero counts kept on finished tasks too)', () => {
    const out = WorkflowRuntime.fromDocs(refDef, refState).toStateDoc();
    expect(out).toEqual(fixture<StateDocV1>('jobq-state.json'));
    expect(Object.keys(out)).toEqual(STATE_KEYS);
    for (const t of Object.values(out.tasks))
      for (const k of Object.keys(t)) expect(STATE_TASK_KEY_SET.has(k)).toBe(true);
  });

  it('reads the legacy full document to the same runtime', () => {
    const legacy = WorkflowRuntime.fromLegacyDoc(fixture<LegacyDocV1>('reference-legacy.json'));
    const split = WorkflowRuntime.fromDocs(refDef, refState);
    expect(legacy.taskStatuses()).toEqual(split.taskStatuses());
    expect(legacy.toStateDoc()).toEqual(split.toStateDoc());
  });

  it('rejects a schema version other than 1', () => {
    expect(() => WorkflowRuntime.fromDocs({ ...refDef, v: 2 as 1 }, null)).toThrow(
      /unsupported schema version/,
    );
  });

  it('a stored pending workflow is not activated; its roots dispatch on activation', () => {
    const rt = WorkflowRuntime.fromDocs(refDef, {
      ...refState,
      workflow_state: 'pending',
      tasks: { prep: { state: 'ready' } },
    });
    expect(rt.activated).toBe(false);
    expect(rt.activate(T0).dispatch).toEqual([{ task: 'prep', attemptNo: 1, queue: 'cpu' }]);
  });

  it('state null means the initial state', () => {
    const rt = WorkflowRuntime.fromDocs(refDef, null);
    expect(rt.taskState('prep')).toBe('ready');
    expect(rt.state).toBe('pending');
  });
});

describe('what jobq writes', () => {
  it('timestamps are ISO-8601 UTC with +00:00 that Python parses', () => {
    const { rt } = started(def({ a: {}, b: { deps: ['a'] } }));
    ok(rt, 'a', null, T0 + 1234);
    const state = rt.toStateDoc();
    const stamps = [state.updated_at, rt.createdAt, state.tasks.a.started_at, state.tasks.a.completed_at];
    for (const s of stamps) expect(s).toMatch(PY_ISO);
  });

  it('a fresh workflow writes pending with only the ready roots', () => {
    const rt = WorkflowRuntime.fromDefinition(def({ a: {}, b: { deps: ['a'] } }), {
      workflowId: 'w',
      now: T0,
    });
    const s = rt.toStateDoc();
    expect(s.workflow_state).toBe('pending');
    expect(s.tasks).toEqual({ a: { state: 'ready' } });
  });

  it('dep_policy is written as a string or an integer', () => {
    const rt = WorkflowRuntime.fromDefinition(
      def({ a: {}, b: {}, c: { deps: ['a', 'b'], dep_policy: 2 }, d: { deps: ['a'], dep_policy: 'any' } }),
      { workflowId: 'w', now: T0 },
    );
    const d = rt.toDefinitionDoc();
    expect(d.tasks.c.dep_policy).toBe(2);
    expect(d.tasks.d.dep_policy).toBe('any');
  });

  it('round-trips: a reloaded runtime has the same statuses and writes the same documents', () => {
    const { rt } = started(
      def({ a: { num_retries: 1 }, b: {}, c: { deps: ['a', 'b'], dep_policy: 'any' }, d: { deps: ['c'] } }),
    );
    fail(rt, 'a');
    ok(rt, 'b', '{"v": 1}', T0 + 3000);
    const again = WorkflowRuntime.fromDocs(rt.toDefinitionDoc(), JSON.parse(JSON.stringify(rt.toStateDoc())));
    expect(again.taskStatuses()).toEqual(rt.taskStatuses());
    expect(again.toStateDoc()).toEqual(rt.toStateDoc());
    expect(again.state).toBe(rt.state);
  });
});
