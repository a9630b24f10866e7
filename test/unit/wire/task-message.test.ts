import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeTaskMessage,
  encodeTaskMessage,
  type TaskMessageInput,
} from '../../../src/wire/task-message.js';
import { taskMessageBytes } from '../../../src/model/message-size.js';
import { STORAGE_QUEUE_MAX_MESSAGE_BYTES } from '../../../src/adapters/queue-limits.js';
import { messageFixture, messageFixtures } from '../../support/message-fixtures.js';

describe('task message encoding (reference §4.8)', () => {
  it.each(messageFixtures('jobq-task-message'))('encodes $file byte for byte', (f) => {
    const out = encodeTaskMessage(f.input as TaskMessageInput);
    expect(out.body).toBe(f.body);
    expect(out.id).toBe(f.id);
  });

  it('carries the envelope fields the reference reads, with kwargs as JSON text', () => {
    const { body } = encodeTaskMessage({
      workflowId: 'wf',
      task: 't',
      attemptNo: 3,
      kwargsJson: '{"x":1}',
      upstreamRefs: null,
    });
    const env = JSON.parse(body);
    expect(env).toEqual({
      version: 1,
      reply_requested: false,
      kwargs: expect.any(String),
      num_retries: 0,
      id: 'wf/t/3',
    });
    expect(JSON.parse(env.kwargs)).toEqual({
      x: 1,
      __workflow_id: 'wf',
      __workflow_task: 't',
      __attempt_no: 3,
    });
  });

  it('omits __upstream_outputs_compact when there are no refs to carry', () => {
    const { body } = encodeTaskMessage({
      workflowId: 'wf',
      task: 't',
      attemptNo: 1,
      kwargsJson: '{}',
      upstreamRefs: [],
    });
    expect(body).not.toContain('__upstream_outputs_compact');
  });

  it('task kwargs that use a reserved key are overridden, not duplicated', () => {
    const { body } = encodeTaskMessage({
      workflowId: 'wf',
      task: 't',
      attemptNo: 2,
      kwargsJson: '{"__attempt_no":9,"a":1}',
      upstreamRefs: null,
    });
    const kwargsText: string = JSON.parse(body).kwargs;
    expect(kwargsText.match(/__attempt_no/g)).toHaveLength(1);
    expect(JSON.parse(kwargsText)).toEqual({
      a: 1,
      __workflow_id: 'wf',
      __workflow_task: 't',
      __attempt_no: 2,
    });
  });

  it('byte length equals the model’s taskMessageBytes for canonical refs', () => {
    const name = fc.string({ minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$/),
        name,
        fc.dictionary(
          fc.string({ maxLength: 8 }).filter((k) => !k.startsWith('__')),
          fc.jsonValue(),
          { maxKeys: 5 },
        ),
        fc.uniqueArray(name, { maxLength: 20 }),
        fc.integer({ min: 1, max: 1000 }),
        (wf, task, kwargs, parents, attemptNo) => {
          const { body } = encodeTaskMessage({
            workflowId: wf,
            task,
            attemptNo,
            kwargsJson: JSON.stringify(kwargs),
            upstreamRefs: parents.map((p) => [p, `blob:${wf}/${p}.json`]),
          });
          expect(Buffer.byteLength(body, 'utf8')).toBe(
            taskMessageBytes(wf, task, kwargs, parents, attemptNo),
          );
        },
      ),
    );
  });

  it('the reference’s 2,060-parent fan-in fits a Storage Queue message with compact refs', () => {
    const wf = 'cse-mindless-001';
    const refs: [string, string][] = Array.from({ length: 2060 }, (_, i) => {
      const p = `m-${String(i).padStart(7, '0')}`;
      return [p, `blob:${wf}/${p}.json`];
    });
    const { body } = encodeTaskMessage({
      workflowId: wf,
      task: 'sim-1-0000355',
      attemptNo: 1,
      kwargsJson: '{"sleep_s":0.1}',
      upstreamRefs: refs,
    });
    const bytes = Buffer.byteLength(body, 'utf8');
    expect(bytes).toBeLessThan(STORAGE_QUEUE_MAX_MESSAGE_BYTES);
    // Pinned so a format change is a failing test; the model's size function agrees independently.
    expect(bytes).toBe(29_099);
    expect(bytes).toBe(
      taskMessageBytes(
        wf,
        'sim-1-0000355',
        { sleep_s: 0.1 },
        refs.map(([p]) => p),
      ),
    );
    const decoded = decodeTaskMessage(body);
    expect(decoded.kind === 'workflow' && Object.keys(decoded.upstreamRefs ?? {}).length).toBe(2060);
  });
});

describe('task message decoding', () => {
  it.each([
    ...messageFixtures('python-task'),
    ...messageFixtures('jobq-task'),
    ...messageFixtures('python-plain'),
  ])('decodes $file', (f) => {
    const d = decodeTaskMessage(f.body);
    if (f.decoded.kind === 'plain') {
      expect(d).toMatchObject({ kind: 'plain', kwargs: f.decoded.kwargs });
      expect(d.kind === 'plain' && d.id).toMatch(/^[0-9a-f]{32}$/);
    } else {
      expect(d).toEqual(f.decoded);
    }
  });

  it('compact refs win over legacy refs when both are present', () => {
    const body = JSON.stringify({
      version: 1,
      reply_requested: false,
      num_retries: 0,
      id: 'x',
      kwargs: JSON.stringify({
        __workflow_id: 'wf',
        __workflow_task: 't',
        __attempt_no: 1,
        __upstream_outputs_compact: { s: ['A'] },
        __upstream_output_refs: { A: 'stale' },
      }),
    });
    expect(decodeTaskMessage(body)).toMatchObject({
      kind: 'workflow',
      upstreamRefs: { A: 'blob:wf/A.json' },
      kwargs: {},
    });
  });

  it('a workflow message without a task name is poison, not a plain task', () => {
    const body = messageFixture('python-task-message.json').body.replace('__workflow_task', '__other_key');
    expect(decodeTaskMessage(body)).toMatchObject({
      kind: 'poison',
      reason: expect.stringContaining('__workflow_task'),
    });
  });

  it.each([
    ['not JSON', 'nope'],
    ['JSON array', '[1]'],
    ['kwargs not JSON text', '{"version":1,"kwargs":"{oops","id":"a"}'],
    ['unsupported version', '{"version":7,"kwargs":"{}","id":"a"}'],
    ['kwargs an array', '{"version":1,"kwargs":"[]","id":"a"}'],
  ])('%s is poison', (_what, body) => {
    expect(decodeTaskMessage(body).kind).toBe('poison');
  });
});
