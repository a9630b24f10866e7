import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow list` (placeholder until implemented). */
export const listCommand: CommandModule = {
  command: 'list',
  describe: 'list (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow list is not yet available in this build.');
  },
};
