/**
 * DECISIONS §7: a coordinator process killed with SIGKILL at random points during a multi-workflow run
 * (retries, conditions, `any` joins) and restarted loses nothing: every workflow ends exactly as in a
 * fault-free run and every state blob decodes. Workers are simulated in the test process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { azurite, uniquePrefix, waitFor } from '../../support/azurite.js';
import { FakeWorkers, def, openTestBackend, taskStates, waitForState } from './harness.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const KILLS = 6;

function spawnCoordinator(prefix: string): ChildProcess {
  const az = azurite();
  const args = [
    '--import',
    'tsx',
    'src/cli/dev-entry.ts',
    'workflow',
    `devstoreaccount1/${prefix}`,
    'coordinator',
    '--break-lease',
    '--visibility-timeout-s',
    '2',
    '--lease-duration-s',
    '15',
    '--lease-renew-interval-s',
    '2',
    '--idle-sleep-s',
    '0.02',
    '--max-idle-sleep-s',
    '0.2',
    '--ready-sweep-interval-s',
    '0.1',
    '--activation-sweep-interval-s',
    '0.1',
  ];
  const env = {
    ...process.env,
    BLOB_PORT: String(az.ports.blob),
    QUEUE_PORT: String(az.ports.queue),
    TABLE_PORT: String(az.ports.table),
    JOBQ_LOG_LEVEL: 'info',
  };
  return spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
}

const chaosDef = (i: number) =>
  def(`chaos-${i}`, [
    ['a', []],
    ['b', ['a'], { num_retries: 2 }],
    ['c', ['a'], { condition: 'inputs.a.n > 5' }],
    ['d', ['b', 'c'], { dep_policy: 'any' }],
    ['e', ['d']],
    ['f', ['a']],
  ]);

describe('kill -9 and restart', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('every workflow ends as in a fault-free run', async () => {
    const prefix = uniquePrefix('Kill');
    const backend = await openTestBackend(prefix);
    const client = new WorkflowClient({ backend });
    const workers = new FakeWorkers(backend, undefined, (t) =>
      t.task === 'b' && t.attemptNo === 1
        ? { success: false, error: 'flaky first attempt' }
        : { success: true, output: { n: 2 } },
    ).start();
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await client.submit(chaosDef(i))).workflowId);
    let stderr = '';
    for (let k = 0; k <= KILLS; k++) {
      const child = spawnCoordinator(prefix);
      children.push(child);
      let own = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        own += d.toString();
      });
      const started = () => own.includes('coordinator started');
      // Kill at a random point of the running loop, not during process start-up.
      await waitFor(started, { timeoutMs: 150_000, what: 'child coordinator started' }).catch(
        (err: unknown) => {
          throw new Error(`${String(err)}; child stderr: ${own.slice(-2000)}`);
        },
      );
      if (k === KILLS) break;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 1500));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    try {
      for (const id of ids) await waitForState(client, id, ['completed', 'failed', 'cancelled'], 90_000);
    } catch (err) {
      for (const id of ids)
        console.error(id, (await client.status(id)).status, JSON.stringify(await taskStates(client, id)));
      console.error(stderr.slice(-3000));
      throw err;
    }
    for (const id of ids) {
      expect(await taskStates(client, id)).toEqual({
        a: 'completed',
        b: 'completed',
        c: 'skipped',
        d: 'completed',
        e: 'completed',
        f: 'completed',
      });
      expect((await client.status(id)).status).toBe('completed');
    }
    const last = children[children.length - 1];
    last.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => last.once('exit', r));
    expect(code).toBe(0);
    expect(stderr).toMatch(/Coordinator stopped — [\d,]+ completions/);
    // Fault-free: a, b (twice: its first attempt fails), d, e, f per workflow; c is skipped.
    const faultFree = ids.length * 6;
    expect(workers.seen.length).toBeGreaterThanOrEqual(faultFree);
    console.info(
      `kill -9 x${KILLS}: ${workers.seen.length} task executions for ${faultFree} in a fault-free run (${workers.seen.length - faultFree} duplicates)`,
    );
    await workers.stop();
    await backend.close();
  }, 600_000);
});
