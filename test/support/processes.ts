/** Long-running jobq child processes (track, coordinator, worker) for end-to-end tests; always stopped. */
import { spawn, type ChildProcess } from 'node:child_process';
import { azuriteEnv, cliCommand, REPO_ROOT } from './cli.js';

export interface JobqProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout match of `re` (rejects when the process exits first or on timeout). */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** Start `jobq <args>` against the test Azurite. */
export function startJobq(args: string[], env: Record<string, string> = {}): JobqProcess {
  const [cmd, ...pre] = cliCommand();
  const child = spawn(cmd, [...pre, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', JOBQ_WORKFLOW_PREFIX: '', ...azuriteEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  const poke = () => waiters.forEach((w) => w());
  child.stdout!.on('data', (d: Buffer) => ((out += d.toString()), poke()));
  child.stderr!.on('data', (d: Buffer) => ((err += d.toString()), poke()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => (poke(), resolve())));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForOutput: (re, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} in output: ${out}\n${err}`)), timeoutMs);
        const check = () => {
          const m = out.match(re);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`jobq ${args.join(' ')} exited (${child.exitCode}): ${out}\n${err}`));
          }
        };
        waiters.push(check);
        check();
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
