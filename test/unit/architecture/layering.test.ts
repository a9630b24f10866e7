/**
 * The layer rule of docs/architecture.md ("Layers"): every relative import in `src/**\/*.ts` (static,
 * `export … from` and dynamic `import()`) goes to the same layer or to one the table below allows.
 * A new top-level folder or file under `src/` fails until it is given a row here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../../src');

/** Base modules: no internal imports of their own (beyond `log` → `errors`); anyone may use them. */
const BASE = ['errors', 'log', 'version', 'concurrency', 'lazy-builtin', 'group-digits'] as const;
const CORE = [...BASE, 'config', 'condition', 'model', 'wire', 'engine', 'ports'] as const;
const STORAGE = [...CORE, 'azurite', 'adapters'] as const;
const RUNTIMES = [...STORAGE, 'coordinator', 'worker'] as const;

/**
 * Layer → the layers it may import (its own layer is always allowed), lowest first. `config` sits
 * low, beside the base modules: it imports only errors/log, and its typed `Config` and defaults are
 * what the adapters and runtimes are built from.
 */
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  version: [],
  concurrency: [],
  'lazy-builtin': [],
  'group-digits': [],
  log: ['errors'],
  config: ['errors', 'log'],
  condition: ['errors'],
  model: ['errors', 'condition'],
  wire: ['errors', 'model'],
  engine: ['errors', 'condition', 'model', 'wire'],
  ports: ['errors', 'model', 'wire', 'engine'],
  // The embedded Azurite launcher: adapters probe its port, run-local and `jobq azurite` start it.
  azurite: ['errors', 'log', 'config'],
  adapters: [...BASE, 'config', 'model', 'wire', 'engine', 'ports', 'azurite'],
  coordinator: [...STORAGE],
  worker: [...STORAGE],
  // The client runs a coordinator and a worker in-process for `jobq workflow run-local`.
  client: [...RUNTIMES],
  // `jobq task …` helpers run inside a task: they read the worker's task environment.
  task: [...STORAGE, 'worker'],
  // The dashboard and the CLI are the two front ends; track reuses cli/render's text formatting.
  track: [...RUNTIMES, 'client', 'cli'],
  cli: [...RUNTIMES, 'client', 'task', 'track'],
  // Package entry point (barrel): re-exports from every layer.
  index: [...RUNTIMES, 'client', 'task', 'track', 'cli'],
};

/** Known upward edges left in place, each with why. Keep this list short; fix rather than add. */
const EXCEPTIONS: ReadonlyArray<{ from: string; to: string; why: string }> = [];

function layerOf(file: string): string {
  const first = relative(SRC, file).split(sep)[0];
  return first.replace(/\.[jt]s$/, '');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative specifiers of every import, re-export and dynamic import in `text`. */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  const re =
    /\b(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s+['"]([^'"]+)['"]/gs;
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith('.')) out.push(spec);
  }
  return out;
}

interface Edge {
  file: string;
  spec: string;
  from: string;
  to: string;
}

function crossLayerEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = layerOf(file);
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      const to = relative(SRC, target).startsWith('..') ? '<outside src>' : layerOf(target);
      if (to !== from) edges.push({ file: relative(SRC, file), spec, from, to });
    }
  }
  return edges;
}

describe('layering', () => {
  const edges = crossLayerEdges();

  it('sees the imports it checks (the scanner is not silently empty)', () => {
    expect(edges.some((e) => e.from === 'engine' && e.to === 'model')).toBe(true);
    expect(edges.some((e) => e.from === 'cli' && e.to === 'client')).toBe(true);
    expect(importSpecifiers("const m = await import('../x.js');\nexport type { A } from './a.js';")).toEqual([
      '../x.js',
      './a.js',
    ]);
  });

  it('gives every top-level folder and file of src/ a row in the table', () => {
    const layers = new Set(sourceFiles(SRC).map(layerOf));
    const missing = [...layers].filter((l) => !(l in ALLOWED));
    expect(missing, 'add these to ALLOWED in test/unit/architecture/layering.test.ts').toEqual([]);
  });

  it('has no import from a layer the table does not allow', () => {
    const upward = edges
      .filter((e) => !(ALLOWED[e.from] ?? []).includes(e.to))
      .filter((e) => !EXCEPTIONS.some((x) => x.from === e.from && x.to === e.to))
      .map((e) => `${e.file} (${e.from}) imports ${e.spec} (${e.to})`);
    expect(upward).toEqual([]);
  });

  it('lists no exception that is no longer needed', () => {
    const stale = EXCEPTIONS.filter((x) => !edges.some((e) => e.from === x.from && e.to === x.to));
    expect(stale).toEqual([]);
  });
});
