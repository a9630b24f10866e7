import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCanonicalCompletion } from '../../../src/wire/completion-fast-decode.js';
import { decodeCoordinatorMessage } from '../../../src/wire/control-message.js';
import { encodeCompletionMessage, type Completion } from '../../../src/wire/completion-message.js';
import { encodeControlMessage } from '../../../src/wire/control-message.js';
import { encodePythonEnvelope, parseEnvelope } from '../../../src/wire/envelope.js';

/** The full decoder's answer, bypassing the fast path (parse the envelope ourselves). */
function fullDecode(body: string): unknown {
  const env = parseEnvelope(body);
  if (!env.ok) return 'poison';
  const inner = JSON.parse(env.kwargs.__completion_body as string) as Record<string, unknown>;
  return {
    workflowId: inner.workflow_id,
    task: inner.task_name,
    success: inner.success,
    outputRef: inner.output_ref ?? null,
    error: inner.error ?? null,
    attemptNo: inner.attempt_no ?? null,
  };
}

const text = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }),
  fc.constantFrom('wf-1', 'leaf0', 'a"b', 'a\\b', 'é', '\n', 'blob:wf/x.out'),
);
const completion: fc.Arbitrary<Completion> = fc.record({
  workflowId: text,
  task: text,
  success: fc.boolean(),
  outputRef: fc.option(fc.oneof(text, fc.constant('{"x": [1, 2]}')), { nil: null }),
  error: fc.option(text, { nil: null }),
  attemptNo: fc.option(fc.nat({ max: 2 ** 31 - 1 }), { nil: null }),
});

describe('canonical completion fast path', () => {
  it('decodes a plain worker completion without the full decoder', () => {
    const c: Completion = {
      workflowId: 'wf-bench',
      task: 'leaf7',
      success: false,
      outputRef: 'blob:wf-bench/leaf7.out',
      error: 'exit 3',
      attemptNo: 2,
    };
    expect(decodeCanonicalCompletion(encodeCompletionMessage(c))).toEqual(c);
    expect(decodeCanonicalCompletion(encodeCompletionMessage({ ...c, attemptNo: null }))).toEqual({
      ...c,
      attemptNo: null,
    });
  });

  it('agrees with the full decoder on every completion the worker can write', () => {
    fc.assert(
      fc.property(completion, (c) => {
        const body = encodeCompletionMessage(c);
        const fast = decodeCanonicalCompletion(body);
        if (fast !== null) expect(fast).toEqual(fullDecode(body));
        expect(decodeCoordinatorMessage(body)).toEqual({ kind: 'completion', completion: c });
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves control messages, escaped values and extra keys to the full decoder', () => {
    expect(decodeCanonicalCompletion(encodeControlMessage({ type: 'cancel', workflowId: 'w' }))).toBeNull();
    const escaped = encodeCompletionMessage({
      workflowId: 'w',
      task: 't',
      success: true,
      outputRef: '{"a": 1}',
      error: null,
      attemptNo: 1,
    });
    expect(decodeCanonicalCompletion(escaped)).toBeNull();
    const withHint = encodePythonEnvelope({
      __completion_body:
        '{"workflow_id": "w", "task_name": "t", "success": true, "output_ref": null, "error": null, "task_etag": "x"}',
    }).body;
    expect(decodeCanonicalCompletion(withHint)).toBeNull();
    expect(decodeCoordinatorMessage(withHint)).toMatchObject({ kind: 'completion' });
  });

  it('never matches a body the full decoder calls poison', () => {
    const good = encodeCompletionMessage({
      workflowId: 'w',
      task: 't',
      success: true,
      outputRef: null,
      error: null,
      attemptNo: 1,
    });
    fc.assert(
      fc.property(fc.nat({ max: good.length - 1 }), fc.string({ maxLength: 3 }), (at, ins) => {
        const mutated = good.slice(0, at) + ins + good.slice(at + 1);
        const fast = decodeCanonicalCompletion(mutated);
        if (fast !== null) expect(fast).toEqual(fullDecode(mutated));
      }),
      { numRuns: 3000 },
    );
  });
});
