/**
 * `ceiling`: raw Azurite figures on this machine with the real SDKs, each on a fresh in-memory Azurite
 * (research/azurite-limits.md §3), so coordinator and e2e figures can be read as a fraction of them.
 */
import { startAzurite, type EmbeddedAzurite } from '../../src/azurite/embedded.js';
import type { BenchContext, BenchScenario } from '../lib/report.js';
import { measureCas, measureDrain, measureSend, warmUpAzurite } from '../lib/ceilings.js';
import { cpuMeter } from '../lib/proc.js';

/** Starts a fresh Azurite, runs `probe`, stops it, and returns the probe's result plus Azurite's CPU. */
async function onFreshAzurite<T>(
  probe: (az: EmbeddedAzurite) => Promise<T>,
): Promise<T & { azuriteCpuS: number | null }> {
  const az = await startAzurite();
  try {
    await warmUpAzurite(az.connectionString);
    const meter = cpuMeter(az.pid);
    const result = await probe(az);
    return { ...result, azuriteCpuS: meter.stop() };
  } finally {
    await az.stop();
  }
}

async function run(ctx: BenchContext): Promise<void> {
  const windowMs = ctx.quick ? 3_000 : 10_000;
  const base = {
    azurite: 'in-memory, fresh process per figure',
    sdk: '@azure/storage-queue / @azure/storage-blob',
  };

  const send = await onFreshAzurite((az) =>
    measureSend({ connectionString: az.connectionString, concurrency: 16, durationMs: windowMs }),
  );
  ctx.log(`send ${send.perS.toFixed(0)}/s (${send.sent} in ${send.seconds.toFixed(1)} s)`);
  ctx.emit({
    metric: 'azurite_send_per_s',
    value: send.perS,
    unit: '1/s',
    target: null,
    higher_is_better: true,
    settings: {
      ...base,
      concurrency: 16,
      message_bytes: 300,
      window_s: windowMs / 1000,
      azurite_cpu_s: send.azuriteCpuS,
    },
  });

  for (const depth of [1_000, 5_000]) {
    const drain = await onFreshAzurite((az) =>
      measureDrain({
        connectionString: az.connectionString,
        depth,
        deleteConcurrency: 16,
        maxDurationMs: ctx.quick ? 10_000 : 30_000,
      }),
    );
    ctx.log(
      `drain depth ${depth}: ${drain.perS.toFixed(0)}/s (${drain.drained} in ${drain.seconds.toFixed(1)} s)`,
    );
    ctx.emit({
      metric: `azurite_drain_per_s_depth_${depth}`,
      value: drain.perS,
      unit: '1/s',
      target: null,
      higher_is_better: true,
      settings: {
        ...base,
        depth,
        receive_batch: 32,
        delete_concurrency: 16,
        message_bytes: 300,
        drained: drain.drained,
        emptied: drain.emptied,
        azurite_cpu_s: drain.azuriteCpuS,
      },
    });
  }

  for (const [metric, bytes] of [
    ['azurite_cas_5kb_per_s', 5 * 1024],
    ['azurite_cas_1400kb_per_s', 1400 * 1024],
  ] as const) {
    const cas = await onFreshAzurite((az) =>
      measureCas({ connectionString: az.connectionString, bytes, durationMs: windowMs }),
    );
    ctx.log(`${metric}: ${cas.perS.toFixed(0)}/s`);
    ctx.emit({
      metric,
      value: cas.perS,
      unit: '1/s',
      target: null,
      higher_is_better: true,
      settings: {
        ...base,
        blob_bytes: bytes,
        pattern: 'download + upload If-Match, 1 writer',
        window_s: windowMs / 1000,
        azurite_cpu_s: cas.azuriteCpuS,
      },
    });
  }
}

export const scenario: BenchScenario = {
  name: 'ceiling',
  description: 'raw Azurite send, receive+delete drain (depth 1,000 / 5,000) and blob CAS (5 KB / 1.4 MB)',
  run,
};
