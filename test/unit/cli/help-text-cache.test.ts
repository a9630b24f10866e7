/**
 * yargs renders a command's help text after starting its handler, synchronously, in case the handler
 * fails later; jobq never shows that text, so `skipHelpTextCache` turns the rendering off (start-up
 * time of the coordinator and worker). `--help` must still render.
 */
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { buildParser, skipHelpTextCache } from '../../../src/cli/main.js';
import { runCli } from '../../support/cli.js';

interface UsageProbe {
  getInternalMethods(): { getUsageInstance(): { help(): string } };
}

/** A parser with one command; counts how often yargs renders help text while running it. */
async function helpRendersWhileRunning(skip: boolean): Promise<{ renders: number; ran: boolean }> {
  let ran = false;
  const parser = yargs(['go'])
    .command('go', 'do it', {}, async () => {
      ran = true;
    })
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    });
  if (skip) expect(skipHelpTextCache(parser)).toBe(true);
  const usage = (parser as unknown as UsageProbe).getInternalMethods().getUsageInstance();
  const help = usage.help;
  let renders = 0;
  usage.help = function (this: unknown) {
    renders++;
    return help.call(this);
  };
  await parser.parseAsync();
  return { renders, ran };
}

describe('skipHelpTextCache', () => {
  it('stops yargs rendering help text when a command runs', async () => {
    expect(await helpRendersWhileRunning(false)).toEqual({ renders: 1, ran: true });
    expect(await helpRendersWhileRunning(true)).toEqual({ renders: 0, ran: true });
  });

  it('is applied by the jobq parser', () => {
    const parser = buildParser(['workflow', 'validate', 'x.yaml'], yargs);
    const usage = (parser as unknown as { getInternalMethods(): { getUsageInstance(): object } })
      .getInternalMethods()
      .getUsageInstance() as { cacheHelpMessage: () => void };
    const before = usage.cacheHelpMessage;
    // Applying it again finds the no-op already installed: it replaces it with an equivalent one.
    expect(skipHelpTextCache(parser)).toBe(true);
    expect(before.toString()).toBe(usage.cacheHelpMessage.toString());
  });

  it('leaves --help working', async () => {
    const res = await runCli(['workflow', 'coordinator', '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('--standby');
  });
});
