/**
 * Submission preparation: everything that can reject a definition runs here, before any write
 * (DECISIONS §7 "bad input writes nothing"), including the automatic fan-in fit of DECISIONS §4.14.
 */
import { MessageTooLargeError, UsageError } from '../errors.js';
import type { WorkflowDefinition } from '../model/types.js';
import {
  fitFanIn,
  generateWorkflowId,
  sequentializeFanIn,
  validateDefinition,
  validateWorkflowId,
} from '../model/index.js';
import type { SubmitOptions } from './types.js';
import { checkIdempotencyKey } from '../model/extensions.js';
import { canonicalJson, sha256Hex, workflowIdForIdempotencyKey } from '../model/fingerprint.js';

export interface PreparedSubmission {
  def: WorkflowDefinition;
  workflowId: string;
  /** Fan-in chosen automatically, else null. */
  autoFanIn: number | null;
  roots: string[];
  /** The effective idempotency key (flag, else the definition's field), or null. */
  idempotencyKey: string | null;
  /** sha256 of the canonical definition as submitted (compared by an idempotent re-submit). */
  fingerprint: string;
  noCache: boolean;
}

/** Smallest message limit among the queues the definition's tasks use. */
export function smallestMessageLimit(
  def: WorkflowDefinition,
  limitOf: (queueSpec: string) => number,
): number {
  const specs = new Set(def.tasks.map((t) => t.queue ?? def.default_queue));
  let min = Number.POSITIVE_INFINITY;
  for (const spec of specs) min = Math.min(min, limitOf(spec));
  return Number.isFinite(min) ? min : 64 * 1024;
}

function checkMaxFanIn(n: number | undefined): void {
  if (n === undefined) return;
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--max-fan-in must be a non-negative integer, got ${n}.`);
  if (n === 1) throw new UsageError('--max-fan-in must be at least 2 (or 0 to turn the rewrite off).');
}

/**
 * Validate and transform a definition for submission. Throws DefinitionError, UsageError or
 * MessageTooLargeError; never touches storage. `semaphores`: the configured limits (an unknown
 * semaphore is refused); unset, semaphore names are not checked.
 */
export function prepareSubmission(
  input: WorkflowDefinition,
  opts: SubmitOptions,
  maxMessageBytes: number,
  semaphores?: Readonly<Record<string, number>>,
): PreparedSubmission {
  checkMaxFanIn(opts.maxFanIn);
  if (opts.workflowId !== undefined) validateWorkflowId(opts.workflowId);
  const idempotencyKey = effectiveIdempotencyKey(input, opts);
  const workflowId =
    idempotencyKey !== null
      ? workflowIdForIdempotencyKey(idempotencyKey)
      : (opts.workflowId ?? generateWorkflowId());
  const fingerprint = sha256Hex(canonicalJson({ ...input, idempotency_key: idempotencyKey ?? undefined }));
  let def = opts.maxFanIn ? sequentializeFanIn(input, opts.maxFanIn) : input;
  const fit = fitFanIn(def, { maxMessageBytes, workflowIdLength: workflowId.length });
  let autoFanIn: number | null = null;
  if (fit.maxFanIn !== null) {
    if (opts.maxFanIn === 0) {
      throw new MessageTooLargeError(
        `Workflow "${input.name}": a task's message would exceed the queue limit of ${maxMessageBytes} bytes ` +
          `because of its fan-in. Submit with --max-fan-in ${fit.maxFanIn} (or without --max-fan-in 0 to rewrite automatically).`,
      );
    }
    def = fit.def;
    autoFanIn = fit.maxFanIn;
  }
  // Structure, names, conditions and (after the fit) message sizes, against the real limit and ID length.
  validateDefinition(def, { maxMessageBytes, workflowIdLength: workflowId.length, semaphores });
  const roots = def.tasks.filter((t) => t.depends_on.length === 0).map((t) => t.name);
  if (idempotencyKey !== null) def = { ...def, idempotency_key: idempotencyKey };
  return { def, workflowId, autoFanIn, roots, idempotencyKey, fingerprint, noCache: opts.noCache === true };
}

function effectiveIdempotencyKey(def: WorkflowDefinition, opts: SubmitOptions): string | null {
  const key = opts.idempotencyKey ?? def.idempotency_key ?? null;
  if (key === null) return null;
  if (opts.workflowId !== undefined)
    throw new UsageError('--id cannot be combined with an idempotency key (the ID is derived from the key).');
  if (key.trim() === '') throw new UsageError('--idempotency-key must not be empty.');
  return checkIdempotencyKey(key, (m) => {
    throw new UsageError(`--idempotency-key: ${m}.`);
  });
}
