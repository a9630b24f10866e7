import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow tasks` (placeholder until implemented). */
export const tasksCommand: CommandModule = {
  command: 'tasks',
  describe: 'tasks (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow tasks is not yet available in this build.');
  },
};
