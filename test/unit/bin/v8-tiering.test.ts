import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TIERING = fileURLToPath(new URL('../../../bin/v8-tiering.js', import.meta.url));

/**
 * A small function called 10 times per macrotask for `steps` macrotasks, in a child node with
 * `--trace-opt`: whether TurboFan finished optimizing it. With V8's default budget it is optimized
 * after ≈ 80 steps; with bin/v8-tiering.js's budget (8 ×) not before ≈ 700.
 */
function optimizedAfter(steps: number, opts: { tiering: boolean; nodeArgs?: string[] }): boolean {
  const script = `
    ${opts.tiering ? `await import(${JSON.stringify(TIERING)});` : ''}
    function work(a) { let s = 0; for (let i = 0; i < 3; i++) s += (a * i) ^ (s >>> 1); return s; }
    let left = ${steps}, t = 0;
    function step() {
      for (let i = 0; i < 10; i++) t += work(left * 10 + i);
      if (--left > 0) setImmediate(step); else console.log('done', t !== 0.5);
    }
    step();
  `;
  const res = spawnSync(
    process.execPath,
    ['--trace-opt', ...(opts.nodeArgs ?? []), '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  expect(res.status, res.stderr).toBe(0);
  expect(res.stdout).toContain('done true');
  return /completed optimizing .*<JSFunction work/.test(res.stdout);
}

describe('bin/v8-tiering.js', () => {
  it('is what makes the difference: without it V8 optimizes the function within 300 steps', () => {
    expect(optimizedAfter(300, { tiering: false })).toBe(true);
  });

  it('raises the interrupt budget, so a lukewarm function stays unoptimized', () => {
    expect(optimizedAfter(300, { tiering: true })).toBe(false);
  });

  it('still lets a hot function be optimized', () => {
    expect(optimizedAfter(5_000, { tiering: true })).toBe(true);
  });

  it('leaves a budget given on the command line alone', () => {
    expect(optimizedAfter(300, { tiering: true, nodeArgs: ['--interrupt-budget=16384'] })).toBe(true);
  });
});
