/** Command registry: one file per subcommand. */
import type { Argv, CommandModule } from 'yargs';
import { submitCommand } from './workflow-submit.js';
import { validateCommand } from './workflow-validate.js';
import { statusCommand } from './workflow-status.js';
import { watchCommand } from './workflow-watch.js';
import { listCommand } from './workflow-list.js';
import { tasksCommand } from './workflow-tasks.js';
import { summaryCommand } from './workflow-summary.js';
import { cancelCommand } from './workflow-cancel.js';
import { retryCommand } from './workflow-retry.js';
import { purgeCommand } from './workflow-purge.js';
import { doctorCommand } from './workflow-doctor.js';
import { explainCommand } from './workflow-explain.js';
import { breakLeaseCommand } from './workflow-break-lease.js';
import { configCommand } from './workflow-config.js';
import { coordinatorCommand } from './workflow-coordinator.js';
import { runLocalCommand } from './workflow-run-local.js';
import { workerCommand } from './worker.js';
import { taskCommand } from './task.js';
import { azuriteCommand } from './azurite.js';

const WORKFLOW_COMMANDS: CommandModule[] = [
  submitCommand,
  validateCommand,
  statusCommand,
  watchCommand,
  listCommand,
  tasksCommand,
  summaryCommand,
  cancelCommand,
  retryCommand,
  purgeCommand,
  doctorCommand,
  explainCommand,
  breakLeaseCommand,
  configCommand,
  coordinatorCommand,
  runLocalCommand,
];

/** First word of each workflow subcommand (used to detect the optional ACCOUNT/PREFIX positional). */
export const WORKFLOW_SUBCOMMANDS: string[] = WORKFLOW_COMMANDS.map((c) => String(c.command).split(' ')[0]);

export function registerWorkflowCommands(y: Argv): Argv {
  for (const c of WORKFLOW_COMMANDS) y = y.command(c);
  return y;
}

export function registerTopLevelCommands(y: Argv): Argv {
  return y.command(workerCommand).command(taskCommand).command(azuriteCommand);
}
