/**
 * The key sets of the reference's v1 documents (reference §4.2), written out here rather than imported
 * from the sources, so that a format change in src/ is a failing test, not a silent agreement.
 */
export const DEF_KEYS = [
  'v',
  'workflow_id',
  'name',
  'default_queue',
  'result_policy',
  'max_parallelism',
  'created_at',
  'tasks',
];
export const DEF_TASK_KEYS = [
  'parents',
  'children',
  'queue',
  'num_retries',
  'dep_policy',
  'timeout_s',
  'condition',
  'kwargs',
];
export const STATE_KEYS = [
  'v',
  'workflow_id',
  'workflow_state',
  'cancel_requested',
  'updated_at',
  'error',
  'tasks',
];
export const STATE_TASK_KEYS = [
  'state',
  'completed_parents',
  'failed_parents',
  'output_ref',
  'error',
  'started_at',
  'completed_at',
  'attempt_no',
];
