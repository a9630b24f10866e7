/**
 * The bundle's `string-width` wrapper (scripts/lazy-string-width.mjs) answers exactly as each real
 * copy it wraps, on the printable-ASCII fast path and on the full path (ANSI, emoji, wide and
 * combining characters, controls, non-strings), and it leaves the real module unloaded until a
 * string needs it.
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs build script without type declarations
import { lazyStringWidth } from '../../../scripts/lazy-string-width.mjs';

const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'jobq-lazy-width-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Where each copy of string-width the CLI bundles is imported from. */
const IMPORTERS = ['node_modules/cliui', 'node_modules/wrap-ansi', 'node_modules/yargs'];

const SAMPLES: unknown[] = [
  '',
  'plain ASCII help text, with punctuation: [--flag=VALUE] (default: 10)',
  ' ~!@#$%^&*()_+{}|:"<>?`-=[]\\;\',./',
  '\u001b[31mred\u001b[39m',
  'tab\there',
  'größe',
  '绿色的',
  'e\u0301',
  '👍🏽 ok',
  '1\ufe0f\u20e3',
  '\u00ad',
  '\u200b',
  42,
  undefined,
];

type Width = (s: unknown) => number;

/** Bundle `import w from 'string-width'` as seen from `importerDir`, with or without the wrapper. */
async function bundledWidth(importerDir: string, wrapped: boolean, tag: string): Promise<Width> {
  const entry = join(root, importerDir, `__jobq_width_probe_${tag}.mjs`);
  const out = join(dir, `${tag}.mjs`);
  await build({
    stdin: {
      contents: `import w from 'string-width'; export default w;`,
      resolveDir: join(root, importerDir),
      sourcefile: entry,
    },
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    banner: {
      js: "import { createRequire as __c } from 'node:module'; const require = __c(import.meta.url);",
    },
    plugins: wrapped ? [lazyStringWidth] : [],
    logLevel: 'silent',
  });
  return ((await import(pathToFileURL(out).href)) as { default: Width }).default;
}

describe('lazy string-width wrapper', () => {
  it.each(IMPORTERS)('answers as the real string-width imported by %s', async (importer) => {
    const tag = importer.replace(/\W/g, '_');
    const real = await bundledWidth(importer, false, `${tag}-real`);
    const lazy = await bundledWidth(importer, true, `${tag}-lazy`);
    for (const s of SAMPLES) expect([s, lazy(s)]).toEqual([s, real(s)]);
  });

  it('does not initialise the real module for printable ASCII', async () => {
    const out = join(dir, 'probe.mjs');
    // A stand-in "real" module that records being initialised.
    const fake = join(dir, 'node_modules', 'string-width');
    writeFileSync(join(dir, 'package.json'), '{}');
    mkdirSync(fake, { recursive: true });
    writeFileSync(join(fake, 'package.json'), '{"name":"string-width","type":"module","main":"index.js"}');
    writeFileSync(
      join(fake, 'index.js'),
      'globalThis.__realWidthLoads = (globalThis.__realWidthLoads ?? 0) + 1; export default (s) => -1;',
    );
    await build({
      stdin: { contents: `export { default } from 'string-width';`, resolveDir: dir },
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      banner: {
        js: "import { createRequire as __c } from 'node:module'; const require = __c(import.meta.url);",
      },
      plugins: [lazyStringWidth],
      logLevel: 'silent',
    });
    const g = globalThis as { __realWidthLoads?: number };
    const width = ((await import(pathToFileURL(out).href)) as { default: Width }).default;
    expect(width('Options:')).toBe(8);
    expect(g.__realWidthLoads ?? 0).toBe(0);
    expect(width('绿')).toBe(-1);
    expect(g.__realWidthLoads).toBe(1);
    width('größe');
    expect(g.__realWidthLoads).toBe(1);
  });
});
