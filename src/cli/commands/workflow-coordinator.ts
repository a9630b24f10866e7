import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow coordinator` (placeholder until implemented). */
export const coordinatorCommand: CommandModule = {
  command: 'coordinator',
  describe: 'coordinator (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow coordinator is not yet available in this build.');
  },
};
