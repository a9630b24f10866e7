/**
 * The page's static files, shipped in the package under `src/track/assets/` (package.json `files`): no
 * build step, no CDN, so the dashboard works offline. Found from this module's location by walking up
 * to the package root, so it works from `src/` (tsx), from `dist/` and from a bundled entry alike.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Files the server may send, by URL path; page routes all get the one HTML page. */
const FILES: Record<string, string> = {
  '/assets/app.js': 'app.js',
  '/assets/graph.js': 'graph.js',
  '/assets/app.css': 'app.css',
  '/assets/favicon.svg': 'favicon.svg',
};

let assetDir: string | null = null;

/** The folder holding the page's files. */
export function assetsDir(): string {
  if (assetDir) return assetDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'src', 'track', 'assets');
    if (existsSync(join(candidate, 'index.html'))) return (assetDir = candidate);
    dir = dirname(dir);
  }
  throw new Error('the dashboard page files (src/track/assets) are missing from this installation');
}

/** The body and content type of a page path, or null (404). */
export async function readAsset(path: string): Promise<{ body: Buffer; type: string } | null> {
  const isPage = path === '/' || /^\/workflows\/[^/]+\/?$/.test(path);
  const file = isPage ? 'index.html' : FILES[path];
  if (!file) return null;
  const body = await readFile(join(assetsDir(), file));
  return { body, type: TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' };
}
