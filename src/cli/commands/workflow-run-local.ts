import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow run-local` (placeholder until implemented). */
export const runLocalCommand: CommandModule = {
  command: 'run-local',
  describe: 'run-local (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow run-local is not yet available in this build.');
  },
};
