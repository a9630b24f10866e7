/**
 * Runs dashboard layouts on a worker thread (`layout-worker.ts`), so a multi-second dagre layout of a
 * big view never stalls the server's API answers and live feed. One thread, one layout at a time (the
 * machine the dashboard runs on may have 2 cores, and its coordinator and workers need them); layouts
 * of the same view are shared by the cache above. If no thread can start (a stripped installation), it
 * lays out on the calling thread and says so once in the log.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { computeLayout, type GraphLayout, type LayoutInput } from './layout.js';

/** Where a layout runs: a worker thread (the default), or inline (tests, and the fallback). */
export type LayoutMode = 'thread' | 'inline';

/** Lays out view graphs, off the event loop when it can. */
export interface LayoutService {
  layout(input: LayoutInput): Promise<GraphLayout>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (l: GraphLayout) => void;
  reject: (e: Error) => void;
}

/**
 * How to start the worker beside this module: its `.js` when built or bundled; under tsx (tests, dev)
 * a bootstrap that loads the `.ts` through tsx's API (`--import tsx` does not reach a worker on Node 20).
 */
function workerScript(): { script: string | URL; eval: boolean } | null {
  const js = new URL('./layout-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { script: js, eval: false };
  const ts = new URL('./layout-worker.ts', import.meta.url);
  if (!existsSync(fileURLToPath(ts))) return null;
  const api = tsxEsmApi();
  if (!api) return null;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(ts.href)}, ${JSON.stringify(import.meta.url)}))`;
  return { script: boot, eval: true };
}

/** The URL of tsx's ESM API (its `import` export: require.resolve would name the CommonJS one). */
function tsxEsmApi(): string | null {
  try {
    const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
      exports: Record<string, { import?: { default?: string } }>;
    };
    const rel = pkg.exports['./esm/api']?.import?.default;
    return rel ? pathToFileURL(join(dirname(pkgPath), rel)).href : null;
  } catch {
    return null;
  }
}

/** Layouts on the calling thread. */
export const inlineLayout: LayoutService = {
  layout: async (input) => computeLayout(input),
  close: async () => undefined,
};

/** Layouts on one worker thread, started at once (so its start-up overlaps the first page load). */
export class ThreadLayout implements LayoutService {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Consecutive failures to start; after two the thread is given up for inline layout. */
  private startFailures = 0;
  private fallback = false;
  private closed = false;

  constructor(private readonly logger: Logger) {
    this.spawn();
  }

  layout(input: LayoutInput): Promise<GraphLayout> {
    if (this.closed) return Promise.reject(new Error('the dashboard is shutting down'));
    const worker = this.fallback ? null : (this.worker ?? this.spawn());
    if (!worker) return inlineLayout.layout(input);
    const id = this.nextId++;
    return new Promise<GraphLayout>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, input });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    this.failAll(new Error('the dashboard is shutting down'));
    if (w) await w.terminate();
  }

  private spawn(): Worker | null {
    const script = workerScript();
    if (!script) return this.giveUp('the layout worker script is missing from this installation');
    let online = false;
    const w = new Worker(script.script, { eval: script.eval });
    w.unref(); // never keeps the process alive on its own
    w.on('online', () => {
      online = true;
      this.startFailures = 0;
    });
    w.on('message', (m: { id: number; layout?: GraphLayout; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.layout) p.resolve(m.layout);
      else p.reject(new Error(`layout failed: ${m.error ?? 'unknown error'}`));
    });
    w.on('error', (err) => {
      this.logger.warn({ err: err.message }, 'dashboard layout thread failed');
      if (!online) this.startFailures++;
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = null;
      if (this.closed) return;
      this.failAll(new Error(`the layout thread stopped (exit code ${code}); reload to retry`));
      if (this.startFailures >= 2) this.giveUp('the layout thread does not start');
    });
    this.worker = w;
    return w;
  }

  private giveUp(why: string): null {
    if (!this.fallback)
      this.logger.warn(`${why}: laying out on the main thread (big graphs stall the dashboard meanwhile)`);
    this.fallback = true;
    return null;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** A layout service of the given mode. */
export function layoutService(mode: LayoutMode, logger: Logger): LayoutService {
  return mode === 'inline' ? inlineLayout : new ThreadLayout(logger);
}
