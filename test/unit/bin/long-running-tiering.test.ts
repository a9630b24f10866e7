import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TIERING = fileURLToPath(new URL('../../../src/cli/v8-tiering.ts', import.meta.url));

/**
 * In a child node (tsx, natives syntax): a function compiled before and one compiled after
 * `compileLongRunningCodeEagerly()`, each called once — which of them runs as Sparkplug code.
 */
function tiers(nodeArgs: string[] = []): { before: boolean; after: boolean; set: boolean } {
  const script = `
    function before(a) { return a + 1; }
    before(1);
    const { compileLongRunningCodeEagerly } = await import(${JSON.stringify(TIERING)});
    const set = compileLongRunningCodeEagerly();
    function after(a) { return a + 2; }
    after(1);
    console.log(JSON.stringify({ before: %ActiveTierIsSparkplug(before), after: %ActiveTierIsSparkplug(after), set }));
  `;
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--allow-natives-syntax', ...nodeArgs, '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  expect(res.status, res.stderr).toBe(0);
  return JSON.parse(res.stdout.trim().split('\n').pop() as string) as {
    before: boolean;
    after: boolean;
    set: boolean;
  };
}

describe('compileLongRunningCodeEagerly', () => {
  it('compiles functions first called afterwards with Sparkplug at once, and leaves earlier ones be', () => {
    expect(tiers()).toEqual({ before: false, after: true, set: true });
  });

  it('leaves a Sparkplug choice made on the node command line alone', () => {
    expect(tiers(['--no-always-sparkplug'])).toEqual({ before: false, after: false, set: false });
  });
});
