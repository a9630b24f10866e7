import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow purge` (placeholder until implemented). */
export const purgeCommand: CommandModule = {
  command: 'purge',
  describe: 'purge (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow purge is not yet available in this build.');
  },
};
