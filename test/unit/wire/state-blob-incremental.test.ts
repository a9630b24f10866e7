/**
 * The incremental state-blob encoder writes exactly the document `toStateDoc` builds — the same JSON
 * text, byte for byte — flush after flush, while completions, failures, retries and cancels change
 * random tasks; it recompresses only the chunks that changed; and its segments deflate exactly as a
 * full-window deflate would.
 */
import { constants, deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WorkflowRuntime } from '../../../src/engine/index.js';
import { parseDefinition } from '../../../src/model/load.js';
import { StateBlobEncoder } from '../../../src/wire/state-blob.js';
import { decodeDoc, encodeDoc } from '../../../src/wire/blob-codec.js';
import { STATE_CHUNK_TASKS } from '../../../src/engine/state-text.js';
import { deflateSegment, windowBitsFor } from '../../../src/wire/gzip-segments.js';

function fanOut(leaves: number) {
  const tasks: Record<string, unknown>[] = [{ name: 'root', depends_on: [] }];
  for (let i = 0; i < leaves; i++)
    tasks.push({ name: `leaf-${i}`, depends_on: ['root'], num_retries: i % 3 === 0 ? 1 : 0 });
  tasks.push({
    name: 'sink',
    depends_on: Array.from({ length: leaves }, (_, i) => `leaf-${i}`),
    dep_policy: 'all_settled',
  });
  return parseDefinition({ name: 'inc', tasks }, 'test');
}

describe('incremental state blob', () => {
  it('decodes to toStateDoc after every step of random runs', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat(299),
            fc.boolean(),
            fc.constantFrom('out', null, '{"k": 1}', 'q "x" \\ é \u2028 \u0001'),
          ),
          {
            maxLength: 400,
          },
        ),
        fc.boolean(),
        (steps, cancelMidway) => {
          let now = Date.UTC(2026, 11, 1);
          const rt = WorkflowRuntime.fromDefinition(fanOut(300), { workflowId: 'wf-inc', now });
          const enc = new StateBlobEncoder();
          const check = () => {
            const bytes = enc.encode(rt.toStateText());
            expect(decodeDoc(bytes)).toEqual(rt.toStateDoc());
            // The text itself: key order and escaping of every entry as JSON.stringify gives them.
            expect(gunzipSync(bytes).toString('utf8')).toBe(JSON.stringify(rt.toStateDoc()));
          };
          check();
          rt.activate(now);
          rt.applyCompletion(
            { task: 'root', success: true, outputRef: null, error: null, attemptNo: 1 },
            now,
          );
          check();
          steps.forEach(([leaf, ok, out], n) => {
            now += 1500;
            const task = `leaf-${leaf}`;
            rt.applyCompletion(
              {
                task,
                success: ok,
                outputRef: ok ? out : null,
                error: ok ? null : `boom ${n} "at" C:\\x\n`,
                attemptNo: rt.taskAttempt(task),
              },
              now,
            );
            if (cancelMidway && n === 200) rt.requestCancel(now);
            if (n % 7 === 0) check();
          });
          check();
          rt.resetFailed(now + 1000);
          check();
        },
      ),
      { numRuns: 25 },
    );
  });

  it('recompresses only changed chunks and stays small', () => {
    const now = Date.UTC(2026, 11, 1);
    const rt = WorkflowRuntime.fromDefinition(fanOut(2000), { workflowId: 'wf-size', now });
    rt.activate(now);
    rt.applyCompletion({ task: 'root', success: true, outputRef: null, error: null, attemptNo: 1 }, now);
    const enc = new StateBlobEncoder();
    const first = enc.encode(rt.toStateText());
    const text = rt.toStateText();
    const before = text.chunks.map((c) => c.version);
    rt.applyCompletion(
      { task: 'leaf-5', success: true, outputRef: null, error: null, attemptNo: 1 },
      now + 1000,
    );
    const after = rt.toStateText().chunks.map((c) => c.version);
    const changed = after.filter((v, k) => v !== before[k]).length;
    expect(changed).toBe(2); // leaf-5's chunk and the sink's (its completed_parents)
    expect(Math.floor(5 / STATE_CHUNK_TASKS)).toBe(0);
    for (let i = 0; i < 2000; i++)
      rt.applyCompletion(
        { task: `leaf-${i}`, success: true, outputRef: null, error: null, attemptNo: 1 },
        now + 2000,
      );
    const done = enc.encode(rt.toStateText());
    expect(gunzipSync(done).length).toBe(JSON.stringify(rt.toStateDoc()).length);
    // Within a few bytes per task of one-shot gzip of the same document.
    expect(done.length / 2002).toBeLessThan(encodeDoc(rt.toStateDoc()).length / 2002 + 3);
    expect(first.length).toBeGreaterThan(0);
  });

  it('deflates each segment with the smallest window that reaches all of it, to the same bytes', () => {
    expect(windowBitsFor(0)).toBe(9);
    expect(windowBitsFor(512 - 262)).toBe(9);
    expect(windowBitsFor(512 - 261)).toBe(10);
    expect(windowBitsFor(8192 - 262)).toBe(13);
    expect(windowBitsFor(32_768 - 262)).toBe(15);
    expect(windowBitsFor(10_000_000)).toBe(15);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('running', 'completed', 'failed'), fc.nat(5), fc.string()), {
          maxLength: 600,
        }),
        (entries) => {
          const plain = Buffer.from(
            entries
              .map(([st, n, s], i) => `"t-${i}":{"state":"${st}","attempt_no":${n},"e":${JSON.stringify(s)}}`)
              .join(','),
          );
          const segment = deflateSegment(plain);
          const fullWindow = deflateRawSync(plain, {
            level: constants.Z_BEST_SPEED,
            finishFlush: constants.Z_SYNC_FLUSH,
          });
          expect(segment.deflated.equals(fullWindow)).toBe(true);
          expect(
            inflateRawSync(segment.deflated, { finishFlush: constants.Z_SYNC_FLUSH }).equals(plain),
          ).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});
