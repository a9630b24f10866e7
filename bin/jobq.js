#!/usr/bin/env node
// Stable entry point. `npm run build` (run by `npm install` via `prepare`) compiles src/ to dist/ and
// bundles the CLI into dist/bundle/ (scripts/bundle-cli.mjs): a few files to load instead of hundreds,
// so every `jobq` process starts at once (issue 16). Without the bundle, the tsc output runs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import './v8-tiering.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
// Stack traces name src/*.ts lines with --log-level debug|trace (source maps cost load time otherwise).
const level =
  argv.find((a, i) => argv[i - 1] === '--log-level') ??
  argv.find((a) => a.startsWith('--log-level='))?.slice(12);
if (level === 'debug' || level === 'trace') process.setSourceMapsEnabled(true);
// JOBQ_CLI_BUNDLE=0 runs the unbundled tsc output (one file per module: the start-up guard test
// traces which modules a command loads).
const bundle = join(here, '..', 'dist', 'bundle', 'main.js');
const useBundle = process.env.JOBQ_CLI_BUNDLE !== '0' && existsSync(bundle);
const entry = useBundle ? bundle : join(here, '..', 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(
    'jobq: not built yet — run `npm install` (or `npm run build`) in the jobq checkout.\n',
  );
  process.exit(2);
}
const { main } = await import(entry);
process.exitCode = await main(argv);
