import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow submit` (placeholder until implemented). */
export const submitCommand: CommandModule = {
  command: 'submit',
  describe: 'submit (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow submit is not yet available in this build.');
  },
};
