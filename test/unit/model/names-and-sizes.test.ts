import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  generateWorkflowId,
  validatePrefix,
  validateTaskName,
  validateWorkflowId,
} from '../../../src/model/names.js';
import { taskMessageBytes, taskMessageBytesUpperBound } from '../../../src/model/message-size.js';

describe('workflow IDs', () => {
  it('generates 32 lowercase hex characters that validate', () => {
    const ids = new Set(Array.from({ length: 100 }, generateWorkflowId));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(() => validateWorkflowId(id)).not.toThrow();
    }
  });

  it.each(['nightly-2024.01_03', 'A', '0abc', 'x'.repeat(128)])('accepts %j', (id) => {
    expect(() => validateWorkflowId(id)).not.toThrow();
  });

  it.each([
    ['', 'must not be empty'],
    ['x'.repeat(129), 'the limit is 128'],
    ['-lead', 'invalid workflow ID'],
    ['.hidden', 'invalid workflow ID'],
    ['a/b', 'invalid workflow ID'],
    ['a b', 'invalid workflow ID'],
    ['a#b', 'invalid workflow ID'],
    ['a?b', 'invalid workflow ID'],
    ['a\\b', 'invalid workflow ID'],
    ['é', 'invalid workflow ID'],
  ])('refuses %j', (id, message) => {
    expect(() => validateWorkflowId(id)).toThrow(message);
  });
});

describe('task names', () => {
  it('accepts names that stay inside their blob prefix', () => {
    for (const name of [
      'a',
      'train/rf',
      'eval/a/b',
      'x.y',
      'v1..2',
      '.hidden/x',
      'unicode-é',
      'with space',
    ]) {
      expect(validateTaskName(name)).toBeNull();
    }
  });

  it('never accepts a name whose path segments could escape the prefix', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', '.', '..', '', 'b c', '#', '?', '\\', '\n', '__jobq'), {
          minLength: 1,
          maxLength: 5,
        }),
        (parts) => {
          const name = parts.join('/');
          if (validateTaskName(name) !== null) return;
          const segments = name.split('/');
          expect(segments.every((s) => s !== '' && s !== '.' && s !== '..')).toBe(true);
          expect(/[\\#?\n]/.test(name)).toBe(false);
          expect(name.startsWith('__jobq')).toBe(false);
        },
      ),
    );
  });
});

describe('prefixes', () => {
  it.each(['Local', 'prod2', 'a'])('accepts %j', (p) => expect(() => validatePrefix(p)).not.toThrow());
  it.each([
    ['', 'must not be empty'],
    ['2fast', 'invalid prefix'],
    ['my-prefix', 'invalid prefix'],
    ['my_prefix', 'invalid prefix'],
    ['x'.repeat(43), 'the limit is 42'],
  ])('refuses %j', (p, message) => expect(() => validatePrefix(p)).toThrow(message));
});

describe('taskMessageBytes', () => {
  it('is the exact length of the reference envelope', () => {
    const wire = JSON.stringify({
      cmd: 'echo "hi"',
      __workflow_id: 'wf1',
      __workflow_task: 'train/rf',
      __attempt_no: 2,
      __upstream_outputs_compact: { s: ['prep'] },
    });
    const envelope = JSON.stringify({
      version: 1,
      reply_requested: false,
      kwargs: wire,
      num_retries: 0,
      id: 'wf1/train/rf/2',
    });
    expect(envelope.startsWith('{"version":1,"reply_requested":false,"kwargs":"{\\"cmd\\"')).toBe(true);
    expect(taskMessageBytes('wf1', 'train/rf', { cmd: 'echo "hi"' }, ['prep'], 2)).toBe(
      Buffer.byteLength(envelope),
    );
  });

  it('omits the compact refs for a root and counts UTF-8 bytes', () => {
    const wire = JSON.stringify({ cmd: 'é', __workflow_id: 'w', __workflow_task: 't', __attempt_no: 1 });
    const envelope = JSON.stringify({
      version: 1,
      reply_requested: false,
      kwargs: wire,
      num_retries: 0,
      id: 'w/t/1',
    });
    expect(taskMessageBytes('w', 't', { cmd: 'é' }, [])).toBe(Buffer.byteLength(envelope));
    expect(Buffer.byteLength(envelope)).toBe(envelope.length + 1);
  });

  it('is never above its cheap upper bound', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40, unit: 'binary' }),
        fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }),
        fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 3 })),
        fc.array(fc.string({ maxLength: 30, unit: 'binary' }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 1000 }),
        (wf, name, kwargs, parents, attempt) => {
          expect(taskMessageBytes(wf, name, kwargs, parents, attempt)).toBeLessThanOrEqual(
            taskMessageBytesUpperBound(wf.length, name, kwargs, parents, attempt),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
