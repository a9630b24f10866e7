/** Starts a benchmark host (bench/lib/hosts/host.ts) as a child process and talks to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { HostConfig, HostMessage, HostReport } from './hosts/protocol.js';

const HOST = join(import.meta.dirname, 'hosts', 'host.ts');

export interface HostProcess {
  readonly pid: number;
  readonly config: HostConfig;
  report(): Promise<HostReport>;
  /** Graceful stop (coordinator releases its lease); returns the final report. */
  stop(): Promise<HostReport | null>;
  kill(): void;
}

/** Forks a host and resolves once its coordinator or workers are running. */
export async function startHost(config: HostConfig, timeoutMs = 60_000): Promise<HostProcess> {
  const child: ChildProcess = fork(HOST, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, JOBQ_BENCH_HOST: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waiters: Array<(r: HostReport) => void> = [];
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  child.on('message', (m: HostMessage) => {
    if (m.type === 'report') waiters.shift()?.(m);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${config.role} host did not start in ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.on('message', (m: HostMessage) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${config.role} host exited with ${code} during start`));
    });
  });
  const ask = (cmd: 'report' | 'stop') =>
    new Promise<HostReport>((resolve) => {
      waiters.push(resolve);
      child.send({ cmd });
    });
  return {
    pid: child.pid ?? -1,
    config,
    report: () => ask('report'),
    stop: async () => {
      if (exited) return null;
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const final = await Promise.race([ask('stop'), exit.then(() => null)]);
      await exit;
      clearTimeout(timer);
      return final;
    },
    kill: () => {
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/** Counters that break another kind down (an empty receive is also counted as a receive). */
const SUB_COUNTS: ReadonlySet<string> = new Set(['emptyReceive']);

/** Sum of queue transactions in several host reports, and their total (each transaction once). */
export function totalTransactions(reports: HostReport[]): { total: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {};
  for (const r of reports)
    for (const [k, v] of Object.entries(r.transactions)) byKind[k] = (byKind[k] ?? 0) + v;
  const total = Object.entries(byKind).reduce((n, [k, v]) => (SUB_COUNTS.has(k) ? n : n + v), 0);
  return { total, byKind };
}
