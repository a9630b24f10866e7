/**
 * `npm run build` step 3 (called by scripts/bundle-cli.mjs): pino as one CommonJS file,
 * dist/bundle/pino.cjs, which the bundled CLI requires instead of node_modules/pino (src/log.ts,
 * `__JOBQ_PINO__`). Loading pino from node_modules resolves, reads and compiles ≈ 20 files and the
 * `worker_threads` and `assert` builtins for thread-stream: ≈ 40 ms of every coordinator's and
 * worker's start-up on this machine, ≈ 17 ms as one file (issue 16).
 *
 * jobq logs through `pino.destination` (sonic-boom) only; pino transports run in worker threads from
 * files that a bundle cannot carry, so thread-stream is replaced by a class that refuses, naming why.
 * Two more builtins are loaded on first use instead of at load (LAZY_REQUIRES). A rewrite whose text
 * is no longer in the package (a pino upgrade) is skipped: the bundle stays correct, only slower, and
 * test/unit/build/pino-bundle.test.ts fails on the builtins loaded. That test also checks the file
 * logs what node_modules/pino logs.
 */
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { NODE_BUNDLE_OPTIONS } from './bundle-options.mjs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The stand-in for thread-stream (used by pino only for `pino.transport()`, which jobq never calls). */
export const NO_TRANSPORTS = `module.exports = class ThreadStream {
  constructor() {
    throw new Error('pino transports are not available in the jobq CLI bundle (jobq logs to a file descriptor)');
  }
};`;

export const stubThreadStream = {
  name: 'jobq-stub-thread-stream',
  setup(b) {
    b.onResolve({ filter: /^thread-stream$/ }, () => ({ path: 'thread-stream', namespace: 'jobq-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'jobq-stub' }, () => ({ loader: 'js', contents: NO_TRANSPORTS }));
  },
};

/**
 * Source rewrites that defer a builtin to its first use: [file pattern, text, replacement]. pino reads
 * `isMainThread` only for an asynchronous destination (jobq's are synchronous); sonic-boom calls
 * `assert` only when a stream is destroyed. Each replacement behaves as the original when reached.
 */
export const LAZY_REQUIRES = [
  [
    /[\\/]pino[\\/]lib[\\/]tools\.js$/,
    [
      ["const { isMainThread } = require('worker_threads')", ''],
      ['if (!opts.sync && isMainThread) {', "if (!opts.sync && require('worker_threads').isMainThread) {"],
    ],
  ],
  [
    /[\\/]sonic-boom[\\/]index\.js$/,
    [["const assert = require('assert')", "const assert = (ok, message) => ok || require('assert')(ok, message)"]],
  ],
];

export const lazyRequires = {
  name: 'jobq-lazy-requires',
  setup(b) {
    for (const [filter, edits] of LAZY_REQUIRES)
      b.onLoad({ filter }, async (args) => {
        const original = await readFile(args.path, 'utf8');
        // All of a file's edits or none: half a rewrite could leave a name undefined.
        if (!edits.every(([from]) => original.includes(from))) return undefined;
        let contents = original;
        for (const [from, to] of edits) contents = contents.replace(from, to);
        return { contents, loader: 'js' };
      });
  },
};

/** Bundle node_modules/pino (resolved from `root`) into `outfile`. */
export async function bundlePino(root, outfile) {
  await build({
    absWorkingDir: root,
    entryPoints: [createRequire(join(root, 'package.json')).resolve('pino')],
    outfile,
    ...NODE_BUNDLE_OPTIONS,
    format: 'cjs',
    plugins: [stubThreadStream, lazyRequires],
  });
}
