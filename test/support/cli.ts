/**
 * Run the jobq CLI as a child process. With JOBQ_TEST_USE_SOURCE=1 it runs the TypeScript source via
 * tsx (no build needed); otherwise the built `bin/jobq.js`, exactly as a user would.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

/** The argv prefix (node + entry) that runs the CLI. */
export function cliCommand(): string[] {
  if (process.env.JOBQ_TEST_USE_SOURCE === '1') {
    // An absolute loader URL, so the CLI can run from any working directory.
    const tsx = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    return [process.execPath, '--import', tsx, join(REPO_ROOT, 'src', 'cli', 'dev-entry.ts')];
  }
  return [process.execPath, join(REPO_ROOT, 'bin', 'jobq.js')];
}

/** Run `jobq <args>`; resolves with exit code and output (never rejects on a non-zero exit). */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const [cmd, ...pre] = cliCommand();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    FORCE_COLOR: undefined,
    JOBQ_WORKFLOW_PREFIX: undefined,
    ...opts.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Environment pointing the CLI at the test run's Azurite (ports from global setup). */
export function azuriteEnv(): Record<string, string> {
  return {
    BLOB_PORT: process.env.BLOB_PORT ?? '',
    QUEUE_PORT: process.env.QUEUE_PORT ?? '',
    TABLE_PORT: process.env.TABLE_PORT ?? '',
  };
}
