/**
 * esbuild plugins of the CLI bundle (scripts/bundle-cli.mjs) for yargs' ESM platform shim
 * (node_modules/yargs/lib/platform-shims/esm.mjs). test/unit/build/yargs-bundle-fixes.test.ts checks
 * both.
 *
 * `lazyAssert`:
 * yargs' ESM platform shim imports `strictEqual` and `notStrictEqual` from `assert` for its internal
 * consistency checks. Loading node:assert (with its AssertionError, call tracker and util/colors) costs
 * ≈ 4 ms on every yargs path, for checks that pass. The wrapper compares with Object.is (what
 * node:assert's strictEqual uses) and hands a failing pair to the real module, which then throws its
 * own AssertionError, message and all; only then is node:assert loaded.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const lazyAssert = {
  name: 'jobq-lazy-assert',
  setup(b) {
    b.onResolve({ filter: /^(node:)?assert$/ }, (args) =>
      args.importer.includes('/node_modules/yargs/') ? { path: 'assert', namespace: 'lazy-assert' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
      loader: 'js',
      contents: `
let real;
const assert = () => (real ??= require('node:assert'));
export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) assert().strictEqual(actual, expected, message);
}
export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) assert().notStrictEqual(actual, expected, message);
}
`,
    }));
  },
};

/**
 * `yargsMainFilename`: yargs guesses the program's version (`yargs()` calls `.version()` before jobq's
 * `.version(false)`) from the package.json found upward of `mainFilename`: the path up to
 * node_modules of the shim's own file, i.e. jobq's checkout when unbundled. In the bundle that path
 * has no node_modules, so the shim fell back to the working directory: each command listed the
 * directories from the cwd up to / looking for a package.json (reading and parsing a stranger's one,
 * or failing an assertion at /), ≈ 5–10 ms. The bundle's mainFilename is jobq's package.json, two
 * levels above dist/bundle/, as unbundled.
 */
const SHIM_FALLBACK = 'mainFilename: mainFilename || process.cwd(),';

export const yargsMainFilename = {
  name: 'jobq-yargs-main-filename',
  setup(b) {
    b.onLoad({ filter: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(SHIM_FALLBACK))
        throw new Error(`${args.path}: '${SHIM_FALLBACK}' not found; revisit scripts/yargs-bundle-fixes.mjs`);
      return {
        loader: 'js',
        resolveDir: dirname(args.path),
        contents: source.replace(
          SHIM_FALLBACK,
          "mainFilename: fileURLToPath(new URL('../../package.json', import.meta.url)),",
        ),
      };
    });
  },
};
