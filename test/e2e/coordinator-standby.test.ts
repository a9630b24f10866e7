/**
 * Issue 17 with real `jobq workflow coordinator` processes on Azurite: signals at any moment of
 * start-up and shutdown (exit 0, lease released or never taken; a second signal forces the exit), and
 * a --standby coordinator taking over after SIGTERM (release, not expiry) and after kill -9 (expiry).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAzureLease } from '../../src/adapters/azure/lease.js';
import { azuriteAccount, uniquePrefix, waitFor } from '../support/azurite.js';
import { azuriteEnv, cliCommand, REPO_ROOT } from '../support/cli.js';

interface Proc {
  child: ChildProcess;
  stderr(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const procs: Proc[] = [];

function startCoordinator(prefix: string, args: string[], env: Record<string, string> = {}): Proc {
  const [cmd, ...pre] = cliCommand();
  const child = spawn(cmd, [...pre, 'workflow', 'coordinator', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...azuriteEnv(), JOBQ_WORKFLOW_PREFIX: `devstoreaccount1/${prefix}`, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  const p = { child, stderr: () => err, exit };
  procs.push(p);
  return p;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function probe(port: number, path: string): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return `${res.status} ${(await res.text()).trim()}`;
  } catch {
    return 'down';
  }
}

const leaseOf = (prefix: string) => createAzureLease(azuriteAccount(), prefix);

/** Resolves once the lease of `prefix` is held by the process `pid`. */
async function leaseHeldBy(prefix: string, pid: number): Promise<void> {
  await waitFor(
    async () => {
      const s = await leaseOf(prefix).status();
      return s.state === 'leased' && s.holder?.pid === pid;
    },
    { what: `lease held by pid ${pid}`, timeoutMs: 30_000 },
  );
}

afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exit;
  }
});

describe('coordinator signals at any moment', () => {
  it('SIGTERM just after the lease is taken: exit 0 and the lease released at once', async () => {
    const prefix = uniquePrefix('SigStart');
    // Start-up is held for a minute right after the lease is taken: the window of a Kubernetes rollout.
    const c = startCoordinator(prefix, [], { JOBQ_TEST_COORDINATOR_HOLD: 'after-lease=60000' });
    await leaseHeldBy(prefix, c.child.pid!);
    expect(c.stderr()).not.toContain('coordinator started');
    c.child.kill('SIGTERM');
    expect(await c.exit).toEqual({ code: 0, signal: null });
    expect((await leaseOf(prefix).status()).state).toBe('available');
    expect(c.stderr()).toContain('Received SIGTERM');
    // The next coordinator takes the lease at once (no expiry to wait for).
    const next = startCoordinator(prefix, []);
    await leaseHeldBy(prefix, next.child.pid!);
  });

  it('SIGINT while standing by: exit 0, the leader keeps its lease', async () => {
    const prefix = uniquePrefix('SigStandby');
    const leader = startCoordinator(prefix, []);
    await leaseHeldBy(prefix, leader.child.pid!);
    const standby = startCoordinator(prefix, ['--standby']);
    await waitFor(() => standby.stderr().includes('standby: the lease'), { what: 'standby log line' });
    standby.child.kill('SIGINT');
    expect(await standby.exit).toEqual({ code: 0, signal: null });
    const s = await leaseOf(prefix).status();
    expect(s).toMatchObject({ state: 'leased', holder: { pid: leader.child.pid } });
  });

  it('a second signal during shutdown forces the exit; the first alone exits 0', async () => {
    const prefix = uniquePrefix('SigTwice');
    // Shutdown holds just before releasing the lease, so the second signal lands inside it.
    const c = startCoordinator(prefix, [], { JOBQ_TEST_COORDINATOR_HOLD: 'before-release=60000' });
    await waitFor(() => c.stderr().includes('coordinator started'), { what: 'coordinator started' });
    c.child.kill('SIGTERM');
    await waitFor(() => c.stderr().includes('shutting down'), { what: 'shutdown begun' });
    c.child.kill('SIGTERM');
    expect(await c.exit).toEqual({ code: 143, signal: null });
    expect(c.stderr()).toContain('Received SIGTERM again; exiting now');
    // Forced: the lease was not released; it is left to expire.
    expect((await leaseOf(prefix).status()).state).toBe('leased');
  });

  it('without --standby a held lease is a clear one-line refusal, exit non-zero', async () => {
    const prefix = uniquePrefix('NoStandby');
    const leader = startCoordinator(prefix, []);
    await leaseHeldBy(prefix, leader.child.pid!);
    const second = startCoordinator(prefix, []);
    const { code } = await second.exit;
    expect(code).not.toBe(0);
    expect(second.stderr()).toContain(`Another coordinator is already running for prefix '${prefix}'`);
  });
});

describe('hot standby take-over', () => {
  it('after SIGTERM of the leader: the standby leads as soon as the lease is released', async () => {
    const prefix = uniquePrefix('TakeTerm');
    const [pa, pb] = [await freePort(), await freePort()];
    const a = startCoordinator(prefix, ['--standby', '--health-port', String(pa)]);
    await waitFor(async () => (await probe(pa, '/readyz')) === '200 ok leader', { what: 'a leads' });
    const b = startCoordinator(prefix, ['--standby', '--health-port', String(pb)]);
    await waitFor(async () => (await probe(pb, '/healthz')) === '200 ok standby', { what: 'b stands by' });
    expect(await probe(pb, '/readyz')).toBe('503 unavailable standby');
    // The probe answers `standby` a moment before the log line reaches stderr (pino writes async).
    await waitFor(() => b.stderr().includes('standby: the lease'), { what: 'standby log line' });
    expect(b.stderr().match(/standby: the lease/g)).toHaveLength(1);

    const t0 = Date.now();
    a.child.kill('SIGTERM');
    await waitFor(async () => (await probe(pb, '/readyz')) === '200 ok leader', {
      what: 'b leads',
      intervalMs: 10,
      timeoutMs: 30_000,
    });
    const takeoverMs = Date.now() - t0;
    expect(await a.exit).toEqual({ code: 0, signal: null });
    // Far below the 20 s lease: the standby took a released lease, it did not wait for an expiry.
    expect(takeoverMs).toBeLessThan(10_000);
    expect((await leaseOf(prefix).status()).holder?.pid).toBe(b.child.pid);
  });

  it('after kill -9 of the leader: the standby waits for the lease to expire, then leads', async () => {
    const prefix = uniquePrefix('TakeKill');
    const [pa, pb] = [await freePort(), await freePort()];
    const lease = ['--lease-duration-s', '15', '--lease-renew-interval-s', '3'];
    const a = startCoordinator(prefix, ['--standby', ...lease, '--metrics-port', String(pa)]);
    await waitFor(async () => (await probe(pa, '/readyz')) === '200 ok leader', { what: 'a leads' });
    const b = startCoordinator(prefix, ['--standby', ...lease, '--metrics-port', String(pb)]);
    await waitFor(async () => (await probe(pb, '/healthz')) === '200 ok standby', { what: 'b stands by' });
    const metrics = await (await fetch(`http://127.0.0.1:${pb}/metrics`)).text();
    expect(metrics).toContain('jobq_coordinator_lease_held 0');

    const t0 = Date.now();
    a.child.kill('SIGKILL');
    await a.exit;
    await waitFor(async () => (await probe(pb, '/readyz')) === '200 ok leader', {
      what: 'b leads',
      intervalMs: 20,
      timeoutMs: 40_000,
    });
    const takeoverMs = Date.now() - t0;
    // Not before the dead leader's lease could have expired (15 s minus one 3 s renew interval) …
    expect(takeoverMs).toBeGreaterThanOrEqual(12_000 - 500);
    // … and within lease duration + acquire interval (+ slack for a loaded machine).
    expect(takeoverMs).toBeLessThan(15_000 + 1_000 + 5_000);
    expect(await (await fetch(`http://127.0.0.1:${pb}/metrics`)).text()).toContain(
      'jobq_coordinator_lease_held 1',
    );
    expect((await leaseOf(prefix).status()).holder?.pid).toBe(b.child.pid);
  }, 90_000);
});
