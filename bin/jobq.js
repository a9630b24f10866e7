#!/usr/bin/env node
// Stable entry point: the compiled CLI lives in dist/ (built by `npm install` via `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, '..', 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('jobq: not built yet — run `npm install` (or `npm run build`) in the jobq checkout.\n');
  process.exit(2);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
