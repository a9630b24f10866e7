/** The jobq package version (from package.json, one level above both src/ and dist/). */
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** Version of this jobq, e.g. written into the coordinator's lease mark. */
export const JOBQ_VERSION: string = pkg.version;
