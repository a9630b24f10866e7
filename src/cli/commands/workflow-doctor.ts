import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow doctor` (placeholder until implemented). */
export const doctorCommand: CommandModule = {
  command: 'doctor',
  describe: 'doctor (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow doctor is not yet available in this build.');
  },
};
