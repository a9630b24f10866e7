import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq workflow break-lease` (placeholder until implemented). */
export const breakLeaseCommand: CommandModule = {
  command: 'break-lease',
  describe: 'break-lease (not yet available)',
  handler: () => {
    throw new UsageError('jobq workflow break-lease is not yet available in this build.');
  },
};
