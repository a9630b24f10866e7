import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq worker` (placeholder until implemented). */
export const workerCommand: CommandModule = {
  command: 'worker',
  describe: 'worker (not yet available)',
  handler: () => {
    throw new UsageError('jobq worker is not yet available in this build.');
  },
};
