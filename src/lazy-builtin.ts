/**
 * A Node builtin module loaded on first use instead of at import time (issue 16: a process loads only
 * what its code path needs). For modules only some paths use — TLS for `https:` endpoints, an HTTP
 * server for `--metrics-port`/`--health-port` — whose load (5–14 ms each, measured with
 * `require` in a fresh node) would otherwise sit in every `jobq workflow coordinator`'s start-up.
 *
 *   const tlsModule = lazyBuiltin<typeof tls>('node:tls'); …; tlsModule().connect(…)
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function lazyBuiltin<T>(id: `node:${string}`): () => T {
  let mod: T | undefined;
  return () => (mod ??= load(id) as T);
}
