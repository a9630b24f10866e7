import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow summary` (placeholder until implemented). */
export const summaryCommand: CommandModule = {
  command: 'summary',
  describe: 'summary (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow summary is not yet available in this build.');
  },
};
