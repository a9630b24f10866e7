/**
 * The jobq package version, from the package.json found walking up from this module: one level above
 * src/ and dist/, two above the bundle's chunks in dist/bundle/.
 */
import { createRequire } from 'node:module';

function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const rel of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      const pkg = require(rel) as { name?: string; version?: string };
      if (pkg.name === 'jobq' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not at this level
    }
  }
  return '0.0.0';
}

/** Version of this jobq, e.g. written into the coordinator's lease mark. */
export const JOBQ_VERSION: string = packageVersion();
