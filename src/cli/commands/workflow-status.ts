import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow status` (placeholder until implemented). */
export const statusCommand: CommandModule = {
  command: 'status',
  describe: 'status (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow status is not yet available in this build.');
  },
};
