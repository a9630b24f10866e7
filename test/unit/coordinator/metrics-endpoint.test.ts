import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/index.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import { silentLogger } from '../../../src/log.js';

describe('--metrics-port', () => {
  it('serves every counter, the histograms, lease and standby state, and the probes', async () => {
    const backend = openMemoryBackend(createMemoryWorld(), 'Metrics');
    const c = new Coordinator({
      backend,
      settings: { ...DEFAULT_COORDINATOR_SETTINGS, metricsPort: 0 },
      logger: silentLogger(),
    });
    await c.start();
    const base = `http://127.0.0.1:${c.metricsPort}`;
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'completions_handled_total',
      'tasks_pushed_total',
      'flush_conflicts_total',
      'poison_messages_total',
      'admissions_total',
      'refs_dropped_total',
      'cached_workflows',
      'lease_held 1',
      'standby 0',
      'batch_seconds_bucket',
      'flush_seconds_bucket',
    ]) {
      expect(text).toContain(`jobq_coordinator_${name}`);
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).text()).toBe('ok leader\n');
    const port = c.metricsPort;
    await c.stop();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('binds loopback by default and another address only when asked', async () => {
    const open = async (metricsHost?: string) => {
      const c = new Coordinator({
        backend: openMemoryBackend(createMemoryWorld(), 'MetricsBind'),
        settings: { ...DEFAULT_COORDINATOR_SETTINGS, metricsPort: 0 },
        logger: silentLogger(),
        ...(metricsHost ? { metricsHost } : {}),
      });
      await c.start();
      const host = c.metricsHost;
      await c.stop();
      return host;
    };
    // The endpoint is unauthenticated: it must not be reachable from other hosts unless chosen.
    expect(await open()).toBe('127.0.0.1');
    expect(await open('0.0.0.0')).toBe('0.0.0.0');
  });
});
