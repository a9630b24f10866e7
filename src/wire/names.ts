/** Resource and blob names per prefix (reference §4.1): part of the storage format, so they live in `wire/`. */
export interface ResourceNames {
  /** `<prefix lower>-workflows`: definition, state and lock blobs. */
  stateContainer: string;
  /** `<prefix lower>-outputs`: large task outputs `<wf>/<task>.json`. */
  outputsContainer: string;
  /** `<prefix>WorkflowsIndex` (case preserved). */
  indexTable: string;
  /** `<prefix lower>-workflow-completions` on the queues backend. */
  completionQueue: string;
  lockBlob: string;
  /** `<prefix lower>-jobq-ext`: jobq-only data (task cache entries, mutex/semaphore holds), created on first use. */
  extContainer: string;
}

export const LOCK_BLOB = '_coordinator.lock';

export function resourceNames(prefix: string): ResourceNames {
  const lower = prefix.toLowerCase();
  return {
    stateContainer: `${lower}-workflows`,
    outputsContainer: `${lower}-outputs`,
    indexTable: `${prefix}WorkflowsIndex`,
    completionQueue: `${lower}-workflow-completions`,
    lockBlob: LOCK_BLOB,
    extContainer: `${lower}-jobq-ext`,
  };
}

export const definitionBlobName = (workflowId: string) => `${workflowId}.def.bin`;
export const stateBlobName = (workflowId: string) => `${workflowId}.state.bin`;
export const legacyBlobName = (workflowId: string) => `${workflowId}.json`;
/** Canonical blob output location and ref (reference §4.5). */
export const outputBlobName = (workflowId: string, task: string) => `${workflowId}/${task}.json`;
export const canonicalOutputRef = (workflowId: string, task: string) =>
  `blob:${outputBlobName(workflowId, task)}`;
/** File stash location in the file-output container (reference §4.6). */
export const stashBlobName = (workflowId: string, task: string, filename: string) =>
  `workflow-files/${workflowId}/${task}/${filename}`;
/**
 * Task attempt logs live beside the outputs, under a folder no task output can reach: reference outputs
 * are `<wf>/<task>.json` (never `.log.gz`), and jobq task names may not start with `__jobq`.
 */
export const taskLogsPrefix = (workflowId: string) => `${workflowId}/__jobq_logs/`;
export const taskLogBlobName = (workflowId: string, task: string, attempt: number) =>
  `${taskLogsPrefix(workflowId)}${task}/attempt-${attempt}.log.gz`;
/** The attempt number of a log blob name under `<logs prefix><task>/`, or null (another task's blob). */
export function attemptOfLogBlob(rest: string): number | null {
  const m = /^attempt-([1-9][0-9]*)\.log\.gz$/.exec(rest);
  return m ? Number(m[1]) : null;
}
