import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { ShellProcess, shellFailureMessage } from '../../../src/worker/shell-process.js';
import { waitFor } from '../../support/azurite.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, sink).child({ workflowId: 'wf', task: 't', attempt: 1 }), lines };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('task shell process', () => {
  it('streams stdout/stderr lines to the logger with the task context and reports the exit code', async () => {
    const { logger, lines } = capturingLogger();
    const proc = ShellProcess.start({ cmd: 'echo hello; echo oops >&2; exit 3', env: process.env, logger });
    const result = await proc.exited;
    expect(result.exitCode).toBe(3);
    expect(shellFailureMessage(result)).toBe('task command exited with code 3; stderr: oops');
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'hello', stream: 'stdout', workflowId: 'wf', task: 't', attempt: 1 }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'oops', stream: 'stderr' }));
  });

  it('runs in kwargs.cwd with the given environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-cwd-'));
    const { logger, lines } = capturingLogger();
    const r = await ShellProcess.start({
      cmd: 'echo "$PWD:$GREETING"',
      cwd: dir,
      env: { ...process.env, GREETING: 'hi' },
      logger,
    }).exited;
    expect(r.exitCode).toBe(0);
    expect(shellFailureMessage(r)).toBeNull();
    expect(lines.map((l) => l.msg)).toContain(`${dir}:hi`);
  });

  it('terminate() reaches every process of the task group, not only bash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-pg-'));
    const pidFile = join(dir, 'pid');
    const { logger } = capturingLogger();
    const proc = ShellProcess.start({
      cmd: `sleep 600 & echo $! > ${pidFile}; wait`,
      env: process.env,
      logger,
    });
    const grandchild = await waitFor(() => Number(readFileSync(pidFile, 'utf8').trim()) || 0, {
      timeoutMs: 5000,
    });
    expect(alive(grandchild)).toBe(true);
    proc.terminate(5);
    const r = await proc.exited;
    expect(r.exitCode === 0).toBe(false);
    await waitFor(() => !alive(grandchild), { timeoutMs: 5000, what: 'grandchild to die' });
  });

  it('escalates to SIGKILL when the task ignores SIGTERM for killTimeoutS', async () => {
    const { logger } = capturingLogger();
    const proc = ShellProcess.start({
      cmd: "trap '' TERM; echo ready; while true; do sleep 0.05; done",
      env: process.env,
      logger,
    });
    await new Promise((r) => setTimeout(r, 200)); // let bash install the trap
    const t0 = Date.now();
    proc.terminate(0.3);
    const r = await proc.exited;
    expect(r.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(shellFailureMessage(r)).toMatch(/killed by SIGKILL/);
  });

  it('reports a command that cannot start (missing cwd) as a failure, not a crash', async () => {
    const { logger } = capturingLogger();
    const r = await ShellProcess.start({ cmd: 'true', cwd: '/nonexistent/dir', env: process.env, logger })
      .exited;
    expect(shellFailureMessage(r)).toMatch(/could not start the task command/);
  });
});
