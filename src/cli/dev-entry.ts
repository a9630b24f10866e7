/** Development entry (`node --import tsx src/cli/dev-entry.ts …`): runs the CLI from source, no build needed. */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
