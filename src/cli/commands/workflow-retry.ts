import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow retry` (placeholder until implemented). */
export const retryCommand: CommandModule = {
  command: 'retry',
  describe: 'retry (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow retry is not yet available in this build.');
  },
};
