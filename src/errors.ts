/**
 * The jobq error taxonomy. Adapters translate SDK errors into these at the boundary; callers guard
 * by `name` (see `isJobqError`) so errors that cross realms or module copies still match.
 */

export type JobqErrorName =
  | 'UsageError'
  | 'DefinitionError'
  | 'ConfigError'
  | 'StorageUnreachableError'
  | 'WorkflowNotFoundError'
  | 'WorkflowExistsError'
  | 'StateConflictError'
  | 'LeaseHeldError'
  | 'LeaseLostError'
  | 'MessageTooLargeError'
  | 'OutputUploadError'
  | 'OutputFetchError'
  | 'TaskContextError'
  | 'TransientStorageError'
  | 'MessageLostError'
  | 'IdempotencyConflictError';

export class JobqError extends Error {
  /** Process exit code the CLI uses when this error reaches it. */
  readonly exitCode: number;
  constructor(name: JobqErrorName, message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
    this.exitCode = exitCode;
  }
}

const make = (name: JobqErrorName, exitCode: number) =>
  class extends JobqError {
    constructor(message: string, options?: { cause?: unknown }) {
      super(name, message, exitCode, options);
    }
  };

/** Bad flags or arguments (exit 2). */
export class UsageError extends make('UsageError', 2) {}
/** An invalid workflow definition (exit 2 for submit; `validate` reports it as 1). */
export class DefinitionError extends make('DefinitionError', 2) {}
/** Missing or malformed configuration (exit 2). */
export class ConfigError extends make('ConfigError', 2) {}
/** Nothing is listening where storage should be (exit 2; message says how to fix). */
export class StorageUnreachableError extends make('StorageUnreachableError', 2) {}
export class WorkflowNotFoundError extends make('WorkflowNotFoundError', 1) {}
export class WorkflowExistsError extends make('WorkflowExistsError', 1) {}
/** An ETag compare-and-swap lost (HTTP 412). */
export class StateConflictError extends make('StateConflictError', 1) {}
/** Another coordinator holds the prefix lease (HTTP 409 on acquire). */
export class LeaseHeldError extends make('LeaseHeldError', 1) {}
/** The lease could not be renewed and may have lapsed: stop acting as leader. */
export class LeaseLostError extends make('LeaseLostError', 1) {}
export class MessageTooLargeError extends make('MessageTooLargeError', 2) {}
export class OutputUploadError extends make('OutputUploadError', 1) {}
export class OutputFetchError extends make('OutputFetchError', 1) {}
/** A task-side helper was called outside a task. */
export class TaskContextError extends make('TaskContextError', 2) {}
/** A storage call failed in a way that may succeed on retry (timeouts, 5xx, socket errors). */
export class TransientStorageError extends make('TransientStorageError', 1) {}

/** An idempotency key already names a workflow with a different definition (exit 2). */
export class IdempotencyConflictError extends make('IdempotencyConflictError', 2) {}

/** A queue message is no longer held by this consumer (lock lost / redelivered): another one may run it. */
export class MessageLostError extends make('MessageLostError', 1) {}

export function isJobqError(err: unknown, name?: JobqErrorName): err is JobqError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; exitCode?: unknown };
  if (typeof e.exitCode !== 'number' || typeof e.name !== 'string') return false;
  return name === undefined || e.name === name;
}

/** True for errors caused by the user's input (shown as one line, never a stack trace). */
export function isUserError(err: unknown): boolean {
  return (
    isJobqError(err) &&
    [
      'UsageError',
      'DefinitionError',
      'ConfigError',
      'StorageUnreachableError',
      'MessageTooLargeError',
      'WorkflowNotFoundError',
      'WorkflowExistsError',
      'LeaseHeldError',
      'TaskContextError',
      'IdempotencyConflictError',
    ].includes(err.name)
  );
}

/**
 * Why a file could not be read, in a few words for a one-line error (`no such file`, `permission
 * denied`, …); `kind` names what a directory was expected to be instead ("a file", "a definition file").
 */
export function fileReadFailure(err: unknown, kind = 'a file'): string {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return `is a directory, not ${kind}`;
  if (code === 'EACCES') return 'permission denied';
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
