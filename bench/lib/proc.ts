/** Process facts for benchmarks: CPU seconds and RSS of any pid from /proc (Linux), else null. */
import { readdirSync, readFileSync } from 'node:fs';

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

/** A thread's group: the main thread, helpers (V8's compiler and GC, libuv's pool), or its own name. */
function threadGroup(pid: number, tid: number, comm: string): string {
  if (tid === pid) return 'main';
  // Node 20 leaves its helper threads (V8's compiler and GC workers, libuv's pool) named after the
  // process; later versions name them.
  if (comm === 'node' || comm.startsWith('V8 ') || comm.startsWith('DefaultWorker')) return 'helpers';
  if (comm.startsWith('libuv-worker')) return 'libuv';
  return comm.trim();
}

/**
 * User and system CPU seconds of the living threads of `pid`, summed by group (see `threadGroup`):
 * keys `GROUP user` and `GROUP sys`; null without /proc. Threads that have exited are not counted (the process's own total still has them).
 */
export function cpuSecondsByThreadOf(pid: number): Record<string, number> | null {
  try {
    const out: Record<string, number> = {};
    for (const entry of readdirSync(`/proc/${pid}/task`)) {
      const tid = Number(entry);
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/task/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const group = threadGroup(pid, tid, comm);
      out[`${group} user`] = (out[`${group} user`] ?? 0) + Number(fields[11]) / CLK_TCK;
      out[`${group} sys`] = (out[`${group} sys`] ?? 0) + Number(fields[12]) / CLK_TCK;
    }
    return out;
  } catch {
    return null;
  }
}

/** Per-group CPU seconds between two readings of `cpuSecondsByThreadOf` (groups of `after`). */
export function cpuByThreadBetween(
  before: Record<string, number> | null,
  after: Record<string, number> | null,
): Record<string, number> | null {
  if (!before || !after) return null;
  const out: Record<string, number> = {};
  for (const [group, s] of Object.entries(after)) out[group] = Math.max(0, s - (before[group] ?? 0));
  return out;
}

/**
 * CPU time the hypervisor gave to other guests while this machine's vCPUs wanted to run ("steal",
 * the eighth field of /proc/stat's `cpu` line), summed over all vCPUs, in seconds; null without /proc.
 * On a shared host, CPU figures taken while it grows are inflated.
 */
export function machineStealSeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const fields = line.trim().split(/\s+/);
    return fields[0] === 'cpu' ? Number(fields[8]) / CLK_TCK : null;
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
