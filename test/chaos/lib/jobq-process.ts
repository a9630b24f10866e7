/**
 * Starting `jobq` as real child processes for the chaos harness and the benchmarks: the built CLI
 * (`node bin/jobq.js`) when dist/ exists, else the dev entry through tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

/**
 * The argv prefix that runs the jobq CLI from this checkout: the build when it exists (as in `npm test`,
 * `npm run chaos`), else the sources. `JOBQ_CLI=source|built|<path to a jobq.js>` overrides (for a
 * stale dist/ while developing).
 */
export function jobqArgv(): string[] {
  const choice = process.env.JOBQ_CLI;
  if (choice && choice !== 'source' && choice !== 'built') return [choice];
  if (choice !== 'source' && (choice === 'built' || existsSync(join(ROOT, 'dist/cli/main.js')))) {
    return [join(ROOT, 'bin/jobq.js')];
  }
  return ['--import', 'tsx', join(ROOT, 'src/cli/dev-entry.ts')];
}

export interface JobqResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one jobq command to completion (bounded by `timeoutMs`). */
export function runJobq(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<JobqResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...jobqArgv(), ...args], {
      env,
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A long-running jobq process (coordinator or worker) in its own process group. */
export class JobqProcess {
  private child: ChildProcess | null = null;
  private exitPromise: Promise<number | null> = Promise.resolve(null);
  private stderrTail = '';
  starts = 0;
  startedAt = 0;

  constructor(
    readonly role: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Last few KB of stderr, for failure reports. */
  get tail(): string {
    return this.stderrTail;
  }

  start(): void {
    // detached: its own process group, so kill -9 takes the task processes it spawned too.
    const child = spawn(process.execPath, [...jobqArgv(), ...this.args], {
      env: this.env,
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4_000);
    });
    this.exitPromise = new Promise((r) => child.once('exit', (code) => r(code)));
    this.child = child;
    this.starts++;
    this.startedAt = Date.now();
  }

  /** kill -9 the whole process group and wait for the exit. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await this.exitPromise;
  }

  /** Send `signal` to the process itself (not its group) and resolve with its exit code; null if not running. */
  async signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return null;
    child.kill(signal);
    return this.exitPromise;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => void this.kill9(), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
    // Leftover task processes of a stopped worker.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* group already gone */
    }
  }

  exited(): Promise<number | null> {
    return this.exitPromise;
  }
}
