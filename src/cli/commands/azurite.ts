import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

/** `jobq azurite` (placeholder until implemented). */
export const azuriteCommand: CommandModule = {
  command: 'azurite',
  describe: 'azurite (not yet available)',
  handler: () => {
    throw new UsageError('jobq azurite is not yet available in this build.');
  },
};
