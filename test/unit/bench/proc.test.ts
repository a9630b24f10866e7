import { describe, expect, it } from 'vitest';
import {
  cpuByThreadBetween,
  cpuSecondsByThreadOf,
  cpuSecondsOf,
  machineStealSeconds,
} from '../../../bench/lib/proc.js';

const linux = process.platform === 'linux';

/** Spin the main thread for `ms` of wall time. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  expect(x).toBeGreaterThan(0);
}

describe.runIf(linux)('bench/lib/proc', () => {
  it('charges main-thread work to the `main user` group, and the groups add up to the process', () => {
    const before = cpuSecondsByThreadOf(process.pid);
    spin(300);
    const after = cpuSecondsByThreadOf(process.pid);
    const split = cpuByThreadBetween(before, after);
    expect(split).not.toBeNull();
    // Clock ticks are 10 ms; 300 ms of spinning is at least 0.2 s of user time on the main thread.
    expect(split!['main user']).toBeGreaterThanOrEqual(0.2);
    const total = Object.values(after!).reduce((a, b) => a + b, 0);
    const whole = cpuSecondsOf(process.pid)!;
    // Living threads only: never more than the process, and here (no exited threads to speak of) close.
    expect(total).toBeLessThanOrEqual(whole + 0.02);
    expect(total).toBeGreaterThan(whole * 0.5);
  });

  it('reads the machine steal time as a non-decreasing count of seconds', () => {
    const a = machineStealSeconds();
    const b = machineStealSeconds();
    expect(a).not.toBeNull();
    expect(a!).toBeGreaterThanOrEqual(0);
    expect(b!).toBeGreaterThanOrEqual(a!);
  });
});
