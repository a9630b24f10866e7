/**
 * `npm run build` step 2: bundle the CLI (src/cli/main.ts and everything it reaches) into
 * dist/bundle/, with code splitting so each lazily imported command or adapter stays its own chunk
 * (issue 16: a process loads a few files instead of hundreds). Light packages are bundled; heavy or
 * file-dependent ones (Azure SDKs, azurite, pino, prom-client, …) stay external and load from
 * node_modules only on the path that needs them. Linked source maps point at src/*.ts: stack traces
 * resolve with `--log-level debug` (bin/jobq.js enables source maps then) or `--enable-source-maps`.
 * bin/jobq.js runs dist/bundle/main.js; dist/cli/main.js (tsc) stays as the fallback and library code.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lazyAssert, yargsMainFilename } from './yargs-bundle-fixes.mjs';
import { NODE_BUNDLE_OPTIONS } from './bundle-options.mjs';
import { bundlePino } from './pino-bundle.mjs';
import { lazyStringWidth } from './lazy-string-width.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Packages bundled into the CLI (with whatever they import): small, pure JS, no files read at run time. */
const BUNDLED = new Set(['yargs', 'yaml', 'zod', 'picocolors']);

/** The package name of a bare specifier (`@scope/name/sub` → `@scope/name`). */
function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Our code's imports of packages outside BUNDLED stay `import`s of node_modules. */
const externals = {
  name: 'jobq-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      // Inside a bundled package: bundle its dependencies too.
      if (args.importer.includes('/node_modules/')) return undefined;
      return BUNDLED.has(packageName(args.path)) ? undefined : { path: args.path, external: true };
    });
  },
};

const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // The dashboard's layout thread is a script of its own (new Worker(new URL('./layout-worker.js'))).
  entryPoints: { main: 'src/cli/main.ts', 'layout-worker': 'src/track/layout-worker.ts' },
  outdir,
  ...NODE_BUNDLE_OPTIONS,
  splitting: true,
  format: 'esm',
  // CommonJS code inside bundled packages calls require(): give ESM chunks one.
  banner: {
    js: "import { createRequire as __jobqCreateRequire } from 'node:module'; const require = __jobqCreateRequire(import.meta.url);",
  },
  plugins: [externals, lazyStringWidth, lazyAssert, yargsMainFilename],
  // src/log.ts requires this file (beside the chunks) instead of node_modules/pino.
  define: { __JOBQ_PINO__: JSON.stringify('./pino.cjs') },
});
await bundlePino(root, `${outdir}/pino.cjs`);
