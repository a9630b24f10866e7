/**
 * The bench's child-process handle: waiting for a log line also finds one printed before the wait
 * began (a coordinator can log 'coordinator started' while the bench still polls for its lease; the
 * start-up bench then waited 60 s for a line it had already been sent).
 */
import { describe, expect, it } from 'vitest';
import { startJobq } from '../../../bench/lib/jobq-process.js';

const PORTS = { blob: 1, queue: 2, table: 3 };

describe('bench jobq child process', () => {
  it('resolves waitForLine with a line printed before the call, at the time it was read', async () => {
    const before = Date.now();
    const child = startJobq(['--help'], { ports: PORTS });
    const code = await child.exited;
    expect(code).toBe(0);
    const at = await child.waitForLine(/jobq <command>/, 5_000);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('still rejects when the process exits without printing the line', async () => {
    const child = startJobq(['--help'], { ports: PORTS });
    await child.exited;
    await expect(child.waitForLine(/no such line anywhere/, 5_000)).rejects.toThrow(
      /exited \(0\) before printing/,
    );
  });
});
