/** Resource names per prefix (reference §4.1). */
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
