/** Process facts for benchmarks: CPU seconds and RSS of any pid from /proc (Linux), else null. */
import { readFileSync } from 'node:fs';

const CLK_TCK = 100;

/** utime+stime of `pid` in seconds, or null when /proc is unavailable or the process is gone. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; the name itself may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Resident set size of `pid` in bytes, or null. */
export function rssBytesOf(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Measures CPU seconds a pid uses between `start()` and `stop()`. */
export function cpuMeter(pid: number): { stop(): number | null } {
  const before = cpuSecondsOf(pid);
  return {
    stop: () => {
      const after = cpuSecondsOf(pid);
      return before === null || after === null ? null : after - before;
    },
  };
}

/** Peak resident set size (VmHWM) of `pid` in bytes, or null. */
export function peakRssBytesOf(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
