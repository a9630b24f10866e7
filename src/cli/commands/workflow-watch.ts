import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow watch` (placeholder until implemented). */
export const watchCommand: CommandModule = {
  command: 'watch',
  describe: 'watch (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow watch is not yet available in this build.');
  },
};
