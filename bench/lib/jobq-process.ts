/**
 * Whole `jobq` child processes for benchmarks, launched as a user launches them: `node bin/jobq.js …`
 * (the built CLI in dist/), default settings, pointed at an Azurite through BLOB_PORT/QUEUE_PORT/
 * TABLE_PORT. Run from an empty working directory with no JOBQ_* variables, so no jobq.yaml or stray
 * setting of the caller changes the defaults. CPU and peak RSS are read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AzuritePorts } from '../../src/azurite/embedded.js';
import { cpuSecondsByThreadOf, cpuSecondsOf, peakRssBytesOf } from './proc.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'jobq.js');
const DIST_ENTRY = join(ROOT, 'dist', 'cli', 'main.js');
/** Lines of output kept for the error message of a child that failed. */
const TAIL_LINES = 40;

export interface JobqProcess {
  readonly pid: number;
  readonly args: readonly string[];
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** utime+stime so far, seconds (null once gone). */
  cpuSeconds(): number | null;
  /** CPU seconds so far by thread group (main, v8, libuv, …); see proc.ts. */
  cpuSecondsByThread(): Record<string, number> | null;
  /** Peak resident set (VmHWM), bytes (null once gone). */
  peakRssBytes(): number | null;
  /** The last lines the process printed (stdout and stderr), for diagnostics. */
  tail(): string;
  /** Calls `fn` with every complete line printed from now on (stdout and stderr). */
  onLine(fn: (line: string) => void): void;
  /**
   * Resolves with the epoch ms at which a line matching `re` was printed — among the last lines kept
   * for `tail()` or a later one, so a line printed before the call is not missed — and rejects if the
   * process exits first.
   */
  waitForLine(re: RegExp, timeoutMs: number): Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Fails with a one-line hint when the CLI is not built or the build is older than the sources
 * (the bench would otherwise measure stale code).
 */
export function requireBuiltCli(): void {
  if (!existsSync(DIST_ENTRY)) throw new Error('bench: dist/ is missing; run `npm run build` first');
  const src = statSync(join(ROOT, 'src')).mtimeMs;
  const built = statSync(DIST_ENTRY).mtimeMs;
  if (process.env.JOBQ_BENCH_ALLOW_STALE_DIST !== '1' && built + 1000 < src)
    process.stderr.write('bench: warning: dist/ may be older than src/; run `npm run build`\n');
}

/** The environment of a `jobq` child: this process's minus JOBQ_ and AZURE_ settings, plus Azurite's ports. */
export function childEnv(ports: AzuritePorts, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(JOBQ_|AZURE_|BLOB_PORT|QUEUE_PORT|TABLE_PORT|NODE_OPTIONS)/.test(k)) env[k] = v;
  return {
    ...env,
    BLOB_PORT: String(ports.blob),
    QUEUE_PORT: String(ports.queue),
    TABLE_PORT: String(ports.table),
    ...extra,
  };
}

/**
 * Extra node flags for every `jobq` child, e.g. `JOBQ_BENCH_CHILD_NODE_ARGS='--cpu-prof
 * --cpu-prof-dir=/tmp/prof'` to profile what a run measures (never set for reported figures).
 */
const CHILD_NODE_ARGS = (process.env.JOBQ_BENCH_CHILD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

/** Starts `jobq ARGS…` (bin/jobq.js) as a child process. */
export function startJobq(
  args: readonly string[],
  opts: { ports: AzuritePorts; env?: Record<string, string> },
): JobqProcess {
  const cwd = mkdtempSync(join(tmpdir(), 'jobq-bench-cwd-'));
  const child: ChildProcess = spawn(process.execPath, [...CHILD_NODE_ARGS, BIN, ...args], {
    cwd,
    env: childEnv(opts.ports, { HOME: cwd, ...opts.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  /** When each line of `lines` was read (epoch ms), index for index. */
  const lineTimes: number[] = [];
  const watchers: { re: RegExp; resolve: (t: number) => void }[] = [];
  const listeners: ((line: string) => void)[] = [];
  const onData = (() => {
    let partial = '';
    return (chunk: Buffer) => {
      const now = Date.now();
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        lineTimes.push(now);
        if (lines.length > TAIL_LINES) {
          lines.shift();
          lineTimes.shift();
        }
        for (const fn of listeners) fn(line);
        for (let i = watchers.length - 1; i >= 0; i--)
          if (watchers[i].re.test(line)) watchers.splice(i, 1)[0].resolve(now);
      }
    };
  })();
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let gone = false;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      rmSync(cwd, { recursive: true, force: true });
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const pid = child.pid ?? -1;
  const tail = () => lines.join('\n');
  return {
    pid,
    args,
    exited,
    cpuSeconds: () => (gone ? null : cpuSecondsOf(pid)),
    cpuSecondsByThread: () => (gone ? null : cpuSecondsByThreadOf(pid)),
    peakRssBytes: () => (gone ? null : peakRssBytesOf(pid)),
    tail,
    onLine: (fn) => void listeners.push(fn),
    waitForLine: (re, timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        // A line already printed counts (a coordinator may log 'coordinator started' before the caller
        // has finished waiting for something else, such as its lease).
        const seen = lines.findIndex((line) => re.test(line));
        if (seen >= 0) return resolve(lineTimes[seen]);
        const timer = setTimeout(
          () => reject(new Error(`jobq ${args.join(' ')}: no line ${re} in ${timeoutMs} ms:\n${tail()}`)),
          timeoutMs,
        );
        watchers.push({
          re,
          resolve: (t) => {
            clearTimeout(timer);
            resolve(t);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`jobq ${args.join(' ')} exited (${code}) before printing ${re}:\n${tail()}`));
        });
      }),
    stop: async (graceMs = 30_000) => {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A pino JSON log line's fields, or null for any other line. */
export function logRecord(line: string): (Record<string, unknown> & { time: number; msg: string }) | null {
  if (!line.startsWith('{')) return null;
  try {
    const rec = JSON.parse(line) as Record<string, unknown>;
    return typeof rec.time === 'number' && typeof rec.msg === 'string'
      ? (rec as Record<string, unknown> & { time: number; msg: string })
      : null;
  } catch {
    return null;
  }
}

/** Poll `check` until it returns a value other than undefined, or throw after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs: number; intervalMs: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`bench: timed out after ${opts.timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
}
