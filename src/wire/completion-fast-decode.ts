/**
 * Fast path for the coordinator's hottest decode: a completion exactly as the reference worker (and
 * jobq's `encodeCompletionMessage`) writes it — Python `json.dumps` formatting, JSON text inside JSON
 * text inside JSON text. One anchored regular expression replaces three `JSON.parse` calls and their
 * garbage (about 6× faster per message).
 *
 * Safety: every captured value is restricted to characters that need no JSON escaping (no quote, no
 * backslash, no control character), so a match is canonical JSON whose decoded values are the captured
 * text verbatim. Anything else — escapes, extra keys, other spacing, control messages, poison — does not
 * match and goes through the full tolerant decoder, which gives the same answer for matching bodies
 * (checked by a property test).
 */
import type { Completion } from './completion-message.js';

/** `\"` in the outer text: a quote of the kwargs level. */
const Q1 = String.raw`\\"`;
/** `\\\"` in the outer text: a quote of the completion-body level (escaped twice). */
const Q3 = String.raw`\\\\\\"`;
/** A string value that needed no escaping at any level. */
const PLAIN = String.raw`[^"\\\u0000-\u001f]`;
const key = (name: string): string => `${Q3}${name}${Q3}: `;
const nullable = `(?:null|${Q3}(${PLAIN}*)${Q3})`;

const CANONICAL_COMPLETION = new RegExp(
  '^\\{"version": 1, "reply_requested": false, "kwargs": "\\{' +
    `${Q1}__completion_body${Q1}: ${Q1}\\{` +
    `${key('workflow_id')}${Q3}(${PLAIN}+)${Q3}, ` +
    `${key('task_name')}${Q3}(${PLAIN}+)${Q3}, ` +
    `${key('success')}(true|false), ` +
    `${key('output_ref')}${nullable}, ` +
    `${key('error')}${nullable}` +
    `(?:, ${key('attempt_no')}(0|[1-9]\\d{0,8}))?` +
    `\\}${Q1}\\}", "num_retries": 0(?:, "id": "[0-9a-f]*")?\\}$`,
);

/**
 * Decode a completion body in its canonical (Python `json.dumps`) form, or return null when the body is
 * anything else (the caller then uses the full decoder). Never throws.
 */
export function decodeCanonicalCompletion(body: string): Completion | null {
  const m = CANONICAL_COMPLETION.exec(body);
  if (m === null) return null;
  return {
    workflowId: m[1],
    task: m[2],
    success: m[3] === 'true',
    outputRef: m[4] ?? null,
    error: m[5] ?? null,
    attemptNo: m[6] === undefined ? null : Number(m[6]),
  };
}
