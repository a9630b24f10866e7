import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/index.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import { silentLogger } from '../../../src/log.js';

describe('--metrics-port', () => {
  it('serves every counter, the histograms and lease state; /healthz is 200 only while leading', async () => {
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
      'batch_seconds_bucket',
      'flush_seconds_bucket',
    ]) {
      expect(text).toContain(`jobq_coordinator_${name}`);
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const port = c.metricsPort;
    await c.stop();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
