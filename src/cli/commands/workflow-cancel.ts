import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow cancel` (placeholder until implemented). */
export const cancelCommand: CommandModule = {
  command: 'cancel',
  describe: 'cancel (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow cancel is not yet available in this build.');
  },
};
