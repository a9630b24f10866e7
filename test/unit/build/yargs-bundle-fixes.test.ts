/**
 * The CLI bundle's fixes to yargs' platform shim (scripts/yargs-bundle-fixes.mjs): the `assert` wrapper
 * passes and fails exactly as node:assert's strictEqual / notStrictEqual (same error class, code and
 * message) and loads node:assert only for a failing check; and the bundled yargs looks for its
 * package.json in jobq's checkout, not from the working directory up to /.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as realAssert from 'node:assert';
import type { Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs build script without type declarations
import { lazyAssert } from '../../../scripts/yargs-bundle-fixes.mjs';
import { bundleSnippet } from '../../support/esbuild.js';

const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'jobq-lazy-assert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Check = (actual: unknown, expected: unknown, message?: string) => void;
interface Checks {
  strictEqual: Check;
  notStrictEqual: Check;
}

/** Bundle `import { … } from 'assert'` as yargs' platform shim sees it, through the wrapper. */
function bundleFromYargs(outfile: string, contents: string): Promise<void> {
  const shims = join(root, 'node_modules', 'yargs', 'lib', 'platform-shims');
  return bundleSnippet({
    contents,
    resolveDir: shims,
    sourcefile: join(shims, '__jobq_assert_probe.mjs'),
    outfile,
    plugins: [lazyAssert as Plugin],
  });
}

function outcome(fn: () => void): unknown {
  try {
    fn();
    return 'passed';
  } catch (err) {
    const e = err as Error & { code?: string };
    return {
      name: e.name,
      code: e.code,
      message: e.message,
      isAssertion: err instanceof realAssert.AssertionError,
    };
  }
}

const PAIRS: [unknown, unknown][] = [
  [1, 1],
  [1, 2],
  ['a', 'a'],
  ['a', 'b'],
  [NaN, NaN],
  [0, -0],
  [null, undefined],
  [{}, {}],
  [undefined, undefined],
];

describe('the bundle’s assert wrapper for yargs', () => {
  it('passes and throws exactly as node:assert, message included', async () => {
    const out = join(dir, 'checks.mjs');
    await bundleFromYargs(out, `export { strictEqual, notStrictEqual } from 'assert';`);
    const lazy = (await import(pathToFileURL(out).href)) as Checks;
    for (const [a, b] of PAIRS)
      for (const name of ['strictEqual', 'notStrictEqual'] as const)
        for (const message of [undefined, 'custom message'])
          expect([name, a, b, outcome(() => lazy[name](a, b, message))]).toEqual([
            name,
            a,
            b,
            outcome(() => realAssert[name](a, b, message)),
          ]);
  });

  it('loads node:assert only when a check fails', async () => {
    const out = join(dir, 'probe.mjs');
    await bundleFromYargs(
      out,
      `import { strictEqual, notStrictEqual } from 'assert';
       const loaded = () => process.moduleLoadList.includes('NativeModule assert');
       strictEqual(1, 1); notStrictEqual(1, 2);
       const afterPassing = loaded();
       try { strictEqual(1, 2); } catch {}
       console.log(JSON.stringify({ afterPassing, afterFailing: loaded() }));`,
    );
    const printed = execFileSync(process.execPath, [out], { encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual({ afterPassing: false, afterFailing: true });
  });
});

describe('the bundled yargs’ mainFilename', () => {
  it('is jobq’s checkout: `jobq --help` lists no directory from the cwd up', () => {
    const cwd = join(dir, 'some', 'project');
    mkdirSync(cwd, { recursive: true });
    // Records every directory listed (yargs' findUp lists each directory it searches).
    const preload = join(dir, 'readdir-trace.mjs');
    writeFileSync(
      preload,
      `import fs from 'node:fs';
       import { syncBuiltinESMExports } from 'node:module';
       const readdirSync = fs.readdirSync;
       fs.readdirSync = function (p, ...rest) { process.stderr.write('READDIR ' + p + '\\n'); return readdirSync.call(this, p, ...rest); };
       syncBuiltinESMExports();`,
    );
    const r = spawnSync(
      process.execPath,
      ['--import', pathToFileURL(preload).href, join(root, 'bin', 'jobq.js'), '--help'],
      { cwd, encoding: 'utf8', env: { ...process.env, JOBQ_CLI_BUNDLE: '1' } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('jobq <command>');
    const listed = [...r.stderr.matchAll(/^READDIR (.*)$/gm)].map((m) => m[1]);
    expect(listed).toEqual([root]);
  });
});
