import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq task` (placeholder until implemented). */
export const taskCommand: CommandModule = {
  command: 'task',
  describe: 'task (not yet available)',
  handler: () => {
    throw new UsageError('jobq task is not yet available in this build.');
  },
};
