/**
 * esbuild options shared by every file of the CLI bundle (scripts/bundle-cli.mjs, scripts/pino-bundle.mjs):
 * Node 20, linked source maps pointing at the sources (without their text), and less to parse —
 * whitespace and syntax minified, identifiers kept (error type names are printed and logged).
 */
export const NODE_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};
