/**
 * An esbuild plugin of the CLI bundle (scripts/bundle-cli.mjs); test/unit/build/lazy-string-width.test.ts
 * checks that the wrapped module answers as the real one.
 */
import { dirname } from 'node:path';

/**
 * `string-width` (three copies, under yargs, cliui and wrap-ansi) builds Intl.Segmenters and Unicode
 * property regexes when its module loads: ≈ 60 ms of CPU on every yargs path, for help text that is
 * printable ASCII. Each copy is wrapped: a printable-ASCII string's width is its length (what
 * string-width answers for it: one column per character, no graphemes, emoji or wide characters);
 * anything else goes to the real module, which esbuild then initialises on that first call only.
 */
export const lazyStringWidth = {
  name: 'jobq-lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData?.real) return undefined;
      const real = await b.resolve(args.path, {
        importer: args.importer,
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: { real: true },
      });
      if (real.errors.length) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      resolveDir: dirname(args.path),
      loader: 'js',
      contents: `
const PRINTABLE_ASCII = /^[\\x20-\\x7e]*$/;
let real;
export default function stringWidth(text, options) {
  if (typeof text === 'string' && PRINTABLE_ASCII.test(text)) return text.length;
  real ??= require(${JSON.stringify(args.path)}).default;
  return real(text, options);
}
`,
    }));
  },
};
