import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow validate` (placeholder until implemented). */
export const validateCommand: CommandModule = {
  command: 'validate',
  describe: 'validate (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow validate is not yet available in this build.');
  },
};
