/**
 * `node --import ./register.mjs …`: appends every module the process loads (ESM resolutions through a
 * loader hook, CommonJS ones through `Module._resolveFilename`) to the file named by
 * `JOBQ_TEST_MODULE_TRACE`, one URL or path a line. Used by the start-up guard test
 * (test/e2e/startup-lazy-loading.test.ts) to prove light command paths load no heavy module.
 */
import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';

const file = process.env.JOBQ_TEST_MODULE_TRACE;
if (file) {
  register(new URL('./hooks.mjs', import.meta.url), { data: { file } });
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (...args) {
    const resolved = resolveFilename.apply(this, args);
    appendFileSync(file, `${resolved}\n`);
    return resolved;
  };
}
