/**
 * One task's shell command: `bash -c cmd` in its own process group (so cancellation reaches every
 * descendant), stdout/stderr streamed line by line to the task's logger.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from '../log.js';

export interface ShellRunOptions {
  cmd: string;
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Child logger carrying workflowId/task/attempt. */
  logger: Logger;
  /** Every output line as it arrives (the attempt's stored log). */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export interface ShellResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The process could not be started (bad cwd, no bash). */
  spawnError: string | null;
  /** Last lines of stderr, for the failure message. */
  stderrTail: string[];
}

const STDERR_TAIL_LINES = 5;
const STREAM_DRAIN_MS = 1000;

/** A running shell command. `exited` resolves once bash exits and its output is drained. */
export class ShellProcess {
  readonly exited: Promise<ShellResult>;
  private readonly child: ChildProcess;
  private running = true;
  private killTimer: NodeJS.Timeout | null = null;

  private constructor(opts: ShellRunOptions) {
    const tail: string[] = [];
    this.child = spawn('bash', ['-c', opts.cmd], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true, // own process group: kill(-pid) reaches the whole task tree
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const drains = [
      pipeLines(this.child.stdout!, (line) => {
        opts.logger.info({ stream: 'stdout' }, line);
        opts.onLine?.('stdout', line);
      }),
      pipeLines(this.child.stderr!, (line) => {
        opts.logger.info({ stream: 'stderr' }, line);
        opts.onLine?.('stderr', line);
        tail.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
        if (tail.length > STDERR_TAIL_LINES) tail.shift();
      }),
    ];
    this.exited = new Promise<ShellResult>((resolve) => {
      this.child.once('error', (err) => {
        this.finish();
        resolve({ exitCode: null, signal: null, spawnError: err.message, stderrTail: tail });
      });
      this.child.once('exit', (code, signal) => {
        this.finish();
        // A background grandchild may keep the pipes open: drain briefly, then stop reading.
        const bound = new Promise<void>((r) => setTimeout(r, STREAM_DRAIN_MS).unref());
        void Promise.race([Promise.all(drains), bound]).then(() => {
          this.child.stdout?.destroy();
          this.child.stderr?.destroy();
          resolve({ exitCode: code, signal, spawnError: null, stderrTail: tail });
        });
      });
    });
  }

  /** Start `bash -c cmd` detached in its own process group. */
  static start(opts: ShellRunOptions): ShellProcess {
    return new ShellProcess(opts);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGTERM the process group; SIGKILL it if bash is still running after `killTimeoutS`. */
  terminate(killTimeoutS: number): void {
    if (!this.running) return;
    this.signalGroup('SIGTERM');
    if (this.killTimer) return;
    this.killTimer = setTimeout(() => this.signalGroup('SIGKILL'), killTimeoutS * 1000);
    this.killTimer.unref();
  }

  /** SIGKILL the whole process group at once. */
  kill(): void {
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone
    }
  }

  private finish(): void {
    this.running = false;
    if (this.killTimer) clearTimeout(this.killTimer);
  }
}

function pipeLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', onLine);
    rl.once('close', () => resolve());
    stream.once('error', () => resolve());
  });
}

/** The failure message of a finished command, or null when it succeeded. */
export function shellFailureMessage(r: ShellResult): string | null {
  if (r.spawnError) return `could not start the task command: ${r.spawnError}`;
  if (r.exitCode === 0) return null;
  const how = r.signal ? `was killed by ${r.signal}` : `exited with code ${r.exitCode}`;
  const tail = r.stderrTail.length ? `; stderr: ${r.stderrTail.join(' | ')}` : '';
  return `task command ${how}${tail}`;
}
