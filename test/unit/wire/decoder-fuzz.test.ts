import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeTaskMessage } from '../../../src/wire/task-message.js';
import { decodeCoordinatorMessage } from '../../../src/wire/control-message.js';
import { decodeCompactRefs } from '../../../src/wire/compact-refs.js';

const KINDS_TASK = new Set(['workflow', 'plain', 'poison']);
const KINDS_COORD = new Set(['completion', 'control', 'poison']);

function checkBoth(body: string): void {
  const t = decodeTaskMessage(body);
  expect(KINDS_TASK.has(t.kind)).toBe(true);
  if (t.kind === 'poison') expect(typeof t.reason).toBe('string');
  const c = decodeCoordinatorMessage(body);
  expect(KINDS_COORD.has(c.kind)).toBe(true);
  if (c.kind === 'poison') expect(c.reason.length).toBeGreaterThan(0);
}

const envelopeOf = (kwargs: unknown) =>
  fc
    .record({ version: fc.oneof(fc.constant(1), fc.constant(0), fc.jsonValue()), id: fc.jsonValue() })
    .map((e) =>
      JSON.stringify({
        ...e,
        reply_requested: false,
        num_retries: 0,
        kwargs: typeof kwargs === 'string' ? kwargs : JSON.stringify(kwargs),
      }),
    );

describe('decoders never throw (fuzz)', () => {
  it('random bytes give a typed poison verdict', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const body = Buffer.from(bytes).toString('utf8');
        checkBoth(body);
        if (!body.trim().startsWith('{')) {
          expect(decodeTaskMessage(body).kind).toBe('poison');
          expect(decodeCoordinatorMessage(body).kind).toBe('poison');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('random JSON values never crash', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => checkBoth(JSON.stringify(v))),
      { numRuns: 1000 },
    );
  });

  it('envelopes with random kwargs never crash', () => {
    const kwargs = fc.dictionary(
      fc.constantFrom(
        '__workflow_id',
        '__workflow_task',
        '__task_name',
        '__attempt_no',
        '__upstream_outputs_compact',
        '__upstream_output_refs',
        '__completion_body',
        'workflow_id',
        'task_name',
        'success',
        'output_ref',
        'error',
        'attempt_no',
        'control',
        '__proto__',
        'constructor',
      ),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(kwargs.chain(envelopeOf), (body) => checkBoth(body)),
      { numRuns: 1000 },
    );
  });

  it('random __completion_body text never crashes', () => {
    const completion = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(
        completion.chain((c) => envelopeOf({ __completion_body: c })),
        (body) => checkBoth(body),
      ),
      { numRuns: 1000 },
    );
  });

  it('random compact refs never crash the decoder', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => void decodeCompactRefs('wf', v)),
      { numRuns: 1000 },
    );
  });
});
