/**
 * Debian's chromium driven by playwright-core (no browser download): `.ci/run` installs the package
 * when it is missing. With CI=true a missing browser fails the suite; elsewhere its tests skip, saying why.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { REPO_ROOT } from './cli.js';

export const CHROMIUM = process.env.JOBQ_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go (gitignored). */
export const SCREENSHOT_DIR = join(REPO_ROOT, '.tmp', 'track-screens');

/** Flags for a quiet, sandbox-free headless run that never reaches the network on its own. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why browser tests cannot run here, or null when they can. Under CI a missing browser is an error. */
export function browserUnavailable(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const why = `${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (process.env.CI === 'true')
    throw new Error(`CI=true and ${why}: the dashboard's browser tests must run`);
  return why;
}

/** A fresh browser profile in a temp dir; `close()` removes it. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'jobq-chromium-'));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1500, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
