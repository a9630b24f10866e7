import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow explain` (placeholder until implemented). */
export const explainCommand: CommandModule = {
  command: 'explain',
  describe: 'explain (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow explain is not yet available in this build.');
  },
};
