/**
 * Bad-input sweep (DECISIONS §7): fuzzed definitions through parse/validate/submit never crash, never
 * print a stack trace and never write anything; fuzzed messages on the completion queue are counted
 * as poison by a running coordinator, which keeps going; fuzzed task messages are dead-lettered by a
 * running worker, which keeps going.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azurite, uniquePrefix, waitFor } from '../support/azurite.js';
import { openAzureBackend } from '../../src/adapters/azure/open.js';
import { WorkflowClient } from '../../src/client/workflow-client.js';
import { Coordinator } from '../../src/coordinator/index.js';
import { Worker, deadLetterSpec } from '../../src/worker/index.js';
import { parseDefinition, generateWorkflowId } from '../../src/model/index.js';
import { decodeCoordinatorMessage } from '../../src/wire/control-message.js';
import { decodeTaskMessage } from '../../src/wire/task-message.js';
import { DEFAULT_COORDINATOR_SETTINGS, WORKER_DEFAULTS } from '../../src/config/defaults.js';
import { isJobqError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { Backend } from '../../src/ports/backend.js';
import type { Target } from '../../src/config/types.js';
import { azuriteTarget } from '../../bench/lib/target.js';
import { runJobq } from './lib/jobq-process.js';
import { hostileDefinition, hostileMessage, validDefinitionDoc } from './lib/fuzz.js';

const SEED = 90210;
let target: Target;
let backend: Backend;

beforeAll(async () => {
  target = azuriteTarget(azurite().ports, uniquePrefix('Fz'));
  backend = await openAzureBackend(target);
  await backend.ensureResources();
});

afterAll(async () => {
  await backend.close();
});

/** Parse + submit one document; returns the error, or null when it was a valid workflow. */
async function trySubmit(client: WorkflowClient, doc: unknown, workflowId: string): Promise<unknown> {
  try {
    await client.submit(parseDefinition(doc, '<fuzz>'), { workflowId });
    return null;
  } catch (err) {
    return err;
  }
}

describe('fuzzed definitions', () => {
  it(
    'are refused with a one-line jobq error and leave no blob, row or message behind',
    { timeout: 120_000 },
    async () => {
      const client = new WorkflowClient({ backend });
      await client.ensureResources();
      let accepted = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(hostileDefinition(), async (doc) => {
          const id = generateWorkflowId();
          const err = await trySubmit(client, doc, id);
          if (err === null) {
            accepted++;
            return;
          }
          refused++;
          expect(isJobqError(err), `not a jobq error: ${String(err)}`).toBe(true);
          expect((err as Error).message).not.toMatch(/\n\s+at /);
          expect(await backend.state.load(id)).toBeNull();
          expect(await backend.index.get(id)).toBeNull();
        }),
        { seed: SEED, numRuns: 120 },
      );
      // Exactly one activate message per accepted workflow, none for a refused one.
      expect(await backend.completions.approximateDepth()).toBe(accepted);
      expect(refused).toBeGreaterThan(accepted);
    },
  );

  it(
    'through the CLI: validate answers 1, submit answers 2, one line each, nothing written',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jobq-fuzz-'));
      try {
        const samples = fc.sample(hostileDefinition(), { seed: SEED, numRuns: 40 });
        const files = samples.slice(0, 6).map((doc, i) => {
          const f = join(dir, `bad-${i}.json`);
          writeFileSync(f, JSON.stringify(doc));
          return f;
        });
        writeFileSync(join(dir, 'garbage.yaml'), 'tasks: [ {name: a, depends_on: [a]} ]\n: : :\n');
        const prefix = uniquePrefix('Fc');
        const env = {
          ...process.env,
          ...azuriteEnv(),
          JOBQ_WORKFLOW_PREFIX: `devstoreaccount1/${prefix}`,
          NO_COLOR: '1',
        };
        const validate = await runJobq(['workflow', 'validate', join(dir, 'garbage.yaml'), ...files], env);
        expect(validate.code).toBe(1);
        expect(validate.stderr).not.toMatch(/\n\s+at /);
        for (const f of [join(dir, 'garbage.yaml'), join(dir, 'missing.json')]) {
          const r = await runJobq(['workflow', 'submit', f], env);
          expect(r.code).toBe(2);
          expect(
            r.stderr
              .trim()
              .split('\n')
              .filter((l) => !l.startsWith('▶')),
          ).toHaveLength(1);
          expect(r.stdout).toBe('');
        }
        const cli = await openAzureBackend(azuriteTarget(azurite().ports, prefix));
        expect(await cli.index.list().catch(() => [])).toEqual([]);
        expect(await cli.state.listWorkflowIds().catch(() => [])).toEqual([]);
        await cli.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('the valid base document is accepted (the sweep is not refusing everything)', async () => {
    const client = new WorkflowClient({ backend });
    expect(await trySubmit(client, validDefinitionDoc(), generateWorkflowId())).toBeNull();
  });
});

function azuriteEnv(): Record<string, string> {
  const p = azurite().ports;
  return { BLOB_PORT: String(p.blob), QUEUE_PORT: String(p.queue), TABLE_PORT: String(p.table) };
}

describe('fuzzed messages', () => {
  it(
    'on the completion queue are counted as poison; the coordinator keeps going',
    { timeout: 120_000 },
    async () => {
      const prefix = uniquePrefix('Fq');
      const b = await openAzureBackend(azuriteTarget(azurite().ports, prefix));
      await b.ensureResources();
      const bodies = fc.sample(hostileMessage(), { seed: SEED, numRuns: 150 });
      const poison = bodies.filter((m) => decodeCoordinatorMessage(m).kind === 'poison').length;
      for (const m of bodies) await b.completions.send(m);
      const settings = { ...DEFAULT_COORDINATOR_SETTINGS, idleSleepS: 0.05, maxIdleSleepS: 0.2 };
      const coordinator = new Coordinator({
        backend: b,
        settings,
        logger: silentLogger(),
        coordinatorId: 'fuzz',
      });
      await coordinator.start();
      try {
        await waitFor(async () => (await b.completions.approximateDepth()) === 0, {
          timeoutMs: 60_000,
          what: 'queue drained',
        });
        await waitFor(() => coordinator.stats().poison_messages === poison, {
          what: `${poison} poison counted`,
        });
        // Still advancing workflows afterwards: a real submission is admitted and its root dispatched.
        const client = new WorkflowClient({ backend: b });
        const { workflowId } = await client.submit(parseDefinition(validDefinitionDoc(), '<ok>'));
        await waitFor(async () => (await b.index.get(workflowId))?.workflowState === 'running', {
          what: 'admitted after fuzz',
        });
        expect(coordinator.stats().lease_state).toBe('held');
      } finally {
        await coordinator.stop();
        await b.close();
      }
    },
  );

  it('on a task queue are dead-lettered; the worker keeps going', { timeout: 120_000 }, async () => {
    const prefix = uniquePrefix('Fw');
    const b = await openAzureBackend(azuriteTarget(azurite().ports, prefix));
    await b.ensureResources();
    const queue = `${prefix.toLowerCase()}-tasks`;
    const bodies = fc
      .sample(hostileMessage(), { seed: SEED + 1, numRuns: 150 })
      .filter((m) => decodeTaskMessage(m).kind === 'poison');
    const q = b.queues.get(queue);
    await q.ensure();
    for (const m of bodies) await q.send(m);
    const worker = new Worker({
      backend: b,
      queue,
      concurrency: 8,
      visibilityTimeoutS: 30,
      idleTimeoutS: null,
      maxIdleBackoffS: 0.2,
      processor: 'noop',
      cancelPollIntervalS: WORKER_DEFAULTS.cancelPollIntervalS,
      killTimeoutS: 5,
      completionSendMaxAttempts: 0,
      logger: silentLogger(),
    });
    await worker.start();
    try {
      await waitFor(() => worker.stats.deadLettered === bodies.length, {
        timeoutMs: 60_000,
        what: `${bodies.length} dead-lettered`,
      });
      expect(await q.approximateDepth()).toBe(0);
      expect(await b.queues.get(deadLetterSpec(queue)).approximateDepth()).toBe(bodies.length);
      expect(bodies.length).toBeGreaterThan(50);
    } finally {
      await worker.stop({ graceMs: 2_000 });
      await b.close();
    }
  });
});
