import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { encodeCompletionMessage, type Completion } from '../../../src/wire/completion-message.js';
import {
  decodeCoordinatorMessage,
  encodeControlMessage,
  type ControlMessage,
} from '../../../src/wire/control-message.js';
import { decodeTaskMessage } from '../../../src/wire/task-message.js';
import { messageFixture, messageFixtures } from '../../support/message-fixtures.js';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

describe('completion messages (reference §4.10)', () => {
  it('jobq writes a completion byte-identical to the Python worker, with the same md5 id', () => {
    const py = messageFixture('python-completion-success.json');
    expect(encodeCompletionMessage(py.decoded.completion as Completion)).toBe(py.body);
    expect(encodeCompletionMessage(messageFixture('jobq-completion.json').input as Completion)).toBe(py.body);
  });

  it('the id is the md5 of the envelope without its id, as base jobq computes it', () => {
    const body = encodeCompletionMessage({
      workflowId: 'w',
      task: 't',
      success: false,
      outputRef: null,
      error: 'x',
      attemptNo: null,
    });
    const env = JSON.parse(body);
    const idless = body.slice(0, body.lastIndexOf(', "id": ')) + '}';
    expect(env.id).toBe(md5(idless));
    expect(JSON.parse(JSON.parse(env.kwargs).__completion_body)).not.toHaveProperty('attempt_no');
  });

  it.each(messageFixtures('python-completion'))('decodes $file', (f) => {
    expect(decodeCoordinatorMessage(f.body)).toEqual(f.decoded);
  });

  it('round-trips any completion', () => {
    const c: Completion = {
      workflowId: 'wf',
      task: 'a/b',
      success: true,
      outputRef: '{"k": "ü\\n"}',
      error: null,
      attemptNo: 4,
    };
    expect(decodeCoordinatorMessage(encodeCompletionMessage(c))).toEqual({
      kind: 'completion',
      completion: c,
    });
  });
});

describe('control messages (DECISIONS §4.2)', () => {
  it.each(messageFixtures('jobq-control'))('encodes and decodes $file', (f) => {
    expect(encodeControlMessage(f.input as ControlMessage, { requestedAt: f.requestedAt })).toBe(f.body);
    expect(decodeCoordinatorMessage(f.body)).toEqual(f.decoded);
  });

  it('a reference coordinator reads a control message as a completion of the reserved task name', () => {
    // What the Python coordinator does: Task.deserialize, then WorkflowCompletion.deserialize(__completion_body).
    const env = JSON.parse(messageFixture('jobq-control-activate.json').body);
    const completion = JSON.parse(JSON.parse(env.kwargs).__completion_body);
    expect(completion).toMatchObject({
      workflow_id: expect.any(String),
      task_name: '__jobq_control__',
      success: true,
    });
    expect([env.version, env.num_retries, env.reply_requested, typeof env.id]).toEqual([
      1,
      0,
      false,
      'string',
    ]);
  });

  it('two requests of the same kind get different ids (Service Bus de-duplication keeps both)', () => {
    const a = JSON.parse(
      encodeControlMessage({ type: 'retry', workflowId: 'w' }, { requestedAt: '2026-01-01T00:00:00Z' }),
    ).id;
    const b = JSON.parse(
      encodeControlMessage({ type: 'retry', workflowId: 'w' }, { requestedAt: '2026-01-01T00:00:01Z' }),
    ).id;
    expect(a).not.toBe(b);
  });

  it('an unknown control type is poison, not a completion', () => {
    const body = messageFixture('jobq-control-retry.json').body.replace(
      '\\\\\\"retry\\\\\\"',
      '\\\\\\"explode\\\\\\"',
    );
    expect(body).toContain('explode');
    expect(decodeCoordinatorMessage(body)).toMatchObject({
      kind: 'poison',
      reason: expect.stringContaining('unknown control type'),
    });
  });

  it('a task message sent to the completion queue is poison', () => {
    const task = messageFixture('jobq-task-message.json').body;
    expect(decodeTaskMessage(task).kind).toBe('workflow');
    expect(decodeCoordinatorMessage(task).kind).toBe('poison');
  });
});

describe('coordinator decoder verdicts', () => {
  const wrap = (kwargs: unknown) =>
    JSON.stringify({
      version: 1,
      reply_requested: false,
      kwargs: JSON.stringify(kwargs),
      num_retries: 0,
      id: 'x',
    });
  const body = (c: Record<string, unknown>) => wrap({ __completion_body: JSON.stringify(c) });
  const ok = { workflow_id: 'w', task_name: 't', success: true };

  it.each([
    ['missing workflow_id', { task_name: 't', success: true }],
    ['missing task_name', { workflow_id: 'w', success: true }],
    ['success not boolean', { ...ok, success: 'yes' }],
    ['output_ref not text', { ...ok, output_ref: { a: 1 } }],
    ['attempt_no not an integer', { ...ok, attempt_no: 1.5 }],
  ])('%s is poison', (_what, c) => {
    expect(decodeCoordinatorMessage(body(c)).kind).toBe('poison');
  });

  it('missing optional fields default to null', () => {
    expect(decodeCoordinatorMessage(body(ok))).toEqual({
      kind: 'completion',
      completion: {
        workflowId: 'w',
        task: 't',
        success: true,
        outputRef: null,
        error: null,
        attemptNo: null,
      },
    });
  });

  it('__completion_body that is not JSON is poison', () => {
    expect(decodeCoordinatorMessage(wrap({ __completion_body: '{bad' })).kind).toBe('poison');
  });
});

describe('batch activate messages', () => {
  it('round-trip every named workflow with its created_at, and a single activate is unchanged', () => {
    const c: ControlMessage = {
      type: 'activate',
      workflowId: 'w0',
      createdAt: '2026-11-26T00:00:00.000Z',
      more: [{ workflowId: 'w1', createdAt: '2026-11-26T00:00:01.000Z' }, { workflowId: 'w2' }],
    };
    expect(decodeCoordinatorMessage(encodeControlMessage(c, { requestedAt: 'x' }))).toEqual({
      kind: 'control',
      control: c,
    });
    const single = { type: 'activate', workflowId: 'w0' } as const;
    expect(encodeControlMessage({ ...single, more: [] }, { requestedAt: 'x' })).toBe(
      encodeControlMessage(single, { requestedAt: 'x' }),
    );
  });

  it.each([
    ['not a list', 'w1'],
    ['an entry without a workflow', [{ created_at: 'x' }]],
    ['a non-string created_at', [{ workflow_id: 'w1', created_at: 5 }]],
    ['too many entries', Array.from({ length: 201 }, (_, i) => ({ workflow_id: `w${i}` }))],
  ])('treats a malformed list (%s) as poison', (_what, more) => {
    const body = encodeControlMessage({ type: 'activate', workflowId: 'w0' }, { requestedAt: 'x' });
    const env = JSON.parse(body) as { kwargs: string };
    const kwargs = JSON.parse(env.kwargs) as { __completion_body: string };
    const inner = JSON.parse(kwargs.__completion_body) as { control: Record<string, unknown> };
    inner.control.more = more;
    kwargs.__completion_body = JSON.stringify(inner);
    const tampered = JSON.stringify({ ...JSON.parse(body), kwargs: JSON.stringify(kwargs) });
    expect(decodeCoordinatorMessage(tampered).kind).toBe('poison');
  });
});
