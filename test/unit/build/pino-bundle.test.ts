/**
 * The CLI bundle's pino (scripts/pino-bundle.mjs → dist/bundle/pino.cjs) writes exactly the lines
 * node_modules/pino writes (levels, child bindings, serializers, redaction, a destination on a file
 * descriptor), loads neither `worker_threads` nor `assert` while doing so, and refuses a transport
 * with a message that says why.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs build script without type declarations
import { bundlePino } from '../../../scripts/pino-bundle.mjs';

const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'jobq-pino-bundle-'));
const bundled = join(dir, 'pino.cjs');
const real = createRequire(join(root, 'package.json')).resolve('pino');

beforeAll(async () => {
  await (bundlePino as (root: string, out: string) => Promise<void>)(root, bundled);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A child node that logs through the pino at `id` and prints, last, which builtins it loaded. */
const SCRIPT = `
const { pino } = require(process.argv[1]);
const log = pino(
  { level: 'debug', timestamp: false, base: { app: 'jobq' }, redact: ['secret'] },
  pino.destination({ fd: 1, sync: true }),
);
log.info('plain');
log.child({ workflowId: 'wf-1' }).debug({ n: 3, secret: 'k' }, 'child %s', 'arg');
log.trace('dropped below the level');
const err = new Error('boom'); err.stack = 'Error: boom (stack)';
log.error({ err }, 'failed');
log.warn({ nested: { a: [1, 'two'] } });
log.flush();
const loaded = (m) => process.moduleLoadList.includes('NativeModule ' + m);
process.stdout.write(JSON.stringify({ worker_threads: loaded('worker_threads'), assert: loaded('assert') }) + '\\n');
`;

function run(pinoPath: string): { lines: string[]; loaded: Record<string, boolean> } {
  const out = execFileSync(process.execPath, ['-e', SCRIPT, pinoPath], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  return {
    lines: lines.slice(0, -1),
    loaded: JSON.parse(lines[lines.length - 1]) as Record<string, boolean>,
  };
}

describe('the bundled pino (dist/bundle/pino.cjs)', () => {
  it('writes the lines node_modules/pino writes', () => {
    const a = run(bundled);
    const b = run(real);
    expect(a.lines).toHaveLength(4);
    expect(a.lines).toEqual(b.lines);
    expect(JSON.parse(a.lines[1])).toMatchObject({
      workflowId: 'wf-1',
      secret: '[Redacted]',
      msg: 'child arg',
    });
  });

  it('loads neither worker_threads nor assert (node_modules/pino loads both)', () => {
    expect(run(bundled).loaded).toEqual({ worker_threads: false, assert: false });
    expect(run(real).loaded).toEqual({ worker_threads: true, assert: true });
  });

  it('refuses a transport, saying why', () => {
    const script = `try { require(process.argv[1]).pino.transport({ target: 'pino/file' }); } catch (e) { console.log(e.message); }`;
    expect(execFileSync(process.execPath, ['-e', script, bundled], { encoding: 'utf8' })).toMatch(
      /pino transports are not available in the jobq CLI bundle/,
    );
  });
});
