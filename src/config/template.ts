/** The commented `jobq.yaml` template written by `jobq workflow config init` (reference §7.4). */
import { COORDINATOR_KNOBS } from './knobs.js';

export interface TemplateValues {
  storage: string;
  prefix: string;
  /** Commented-out lines unless given. */
  queues?: string;
  blobs?: string;
}

/** Render the template; every coordinator knob is listed (commented out) with its default and meaning. */
export function renderConfigTemplate(v: TemplateValues): string {
  const lines = [
    '# jobq configuration. Precedence: command-line flags > environment variables > this file > defaults.',
    '# Discovery: --config PATH, JOBQ_WORKFLOW_CONFIG, ./jobq.yaml, ./.jobq.yaml, ~/.config/ai4s-jobq/jobq.yaml',
    '',
    'connection:',
    '  # State account: an account name (Entra ID via DefaultAzureCredential), a connection string',
    '  # (AccountKey=… or SharedAccessSignature=…; keep this file private), or devstoreaccount1 for Azurite.',
    `  storage: ${v.storage}`,
    '  # Prefix of every resource: <prefix>-workflows, <prefix>-outputs, <prefix>WorkflowsIndex, …',
    `  prefix: ${v.prefix}`,
    '  # Queue backend for task queues without an account part and for the completion queue:',
    '  # another storage account, a connection string, or sb://<namespace> (default: the state account).',
    v.queues ? `  queues: ${v.queues}` : '  # queues: myaccount',
    '  # File outputs (stashes): <account>/<container> (default: <state account>/jobq-workflow-data).',
    v.blobs ? `  blobs: ${v.blobs}` : '  # blobs: myaccount/jobq-workflow-data',
    '',
    'coordinator:',
  ];
  for (const k of COORDINATOR_KNOBS) {
    lines.push(`  # ${k.help} (env ${k.env})`);
    lines.push(`  # ${k.yaml}: ${k.default === null ? 'none' : k.default}`);
  }
  lines.push(
    '  # Limits of the semaphores tasks name with `semaphore: NAME` (env JOBQ_COORDINATOR_SEMAPHORES=NAME=N,…;',
    '  # the coordinator also takes --semaphore NAME=N). submit refuses a semaphore that has no limit here or in env.',
    '  # semaphores:',
    '  #   orders-db-writers: 2',
  );
  return lines.join('\n') + '\n';
}
