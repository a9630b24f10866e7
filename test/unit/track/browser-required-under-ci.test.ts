/** The dashboard's browser tests: with CI=true a missing chromium fails the run; elsewhere they skip, saying why. */
import { afterEach, describe, expect, it, vi } from 'vitest';

async function freshBrowserSupport() {
  vi.resetModules();
  return import('../../support/browser.js');
}

describe('browserUnavailable', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('throws under CI=true when chromium is missing', async () => {
    vi.stubEnv('JOBQ_TEST_CHROMIUM', '/nonexistent/chromium');
    vi.stubEnv('CI', 'true');
    const { browserUnavailable } = await freshBrowserSupport();
    expect(() => browserUnavailable()).toThrow(
      /^CI=true and \/nonexistent\/chromium is missing \(apt-get install -y chromium\)/,
    );
  });

  it('outside CI returns why the browser tests skip', async () => {
    vi.stubEnv('JOBQ_TEST_CHROMIUM', '/nonexistent/chromium');
    vi.stubEnv('CI', '');
    const { browserUnavailable } = await freshBrowserSupport();
    expect(browserUnavailable()).toBe('/nonexistent/chromium is missing (apt-get install -y chromium)');
  });

  it('is null when the browser is there', async () => {
    vi.stubEnv('JOBQ_TEST_CHROMIUM', process.execPath); // any existing file stands for it
    vi.stubEnv('CI', 'true');
    const { browserUnavailable } = await freshBrowserSupport();
    expect(browserUnavailable()).toBeNull();
  });
});
