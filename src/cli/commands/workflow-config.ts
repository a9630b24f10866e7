import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow config` (placeholder until implemented). */
export const configCommand: CommandModule = {
  command: 'config',
  describe: 'config (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow config is not yet available in this build.');
  },
};
