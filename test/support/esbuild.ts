/**
 * Bundle a snippet the way scripts/bundle-cli.mjs bundles the CLI (ESM for Node, a `require` for the
 * CommonJS inside), with the plugins under test: for the build tests of test/unit/build/.
 */
import { build, type Plugin } from 'esbuild';

export async function bundleSnippet(opts: {
  /** The snippet's source. */
  contents: string;
  /** Where its imports resolve from (as if the snippet lived there). */
  resolveDir: string;
  /** The snippet's file name, for plugins that look at the importer. */
  sourcefile?: string;
  outfile: string;
  plugins: Plugin[];
}): Promise<void> {
  await build({
    stdin: { contents: opts.contents, resolveDir: opts.resolveDir, sourcefile: opts.sourcefile },
    outfile: opts.outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    banner: {
      js: "import { createRequire as __c } from 'node:module'; const require = __c(import.meta.url);",
    },
    plugins: opts.plugins,
    logLevel: 'silent',
  });
}
