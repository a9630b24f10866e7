/**
 * Reading the coordinators' flush journal (JOBQ_COORDINATOR_FLUSH_JOURNAL) of the two-coordinator
 * chaos run: who led when, and the proof that no two processes ever both flushed.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface LeaseEvent {
  ev: 'acquired' | 'released' | 'renewed';
  t: number;
  pid: number;
  lease: string;
}
export interface FlushEvent {
  ev: 'flush';
  t: number;
  t0: number;
  pid: number;
  lease: string;
  wf: string;
  prev: string;
  etag: string;
}
export type JournalEvent = LeaseEvent | FlushEvent;

/** Every complete line of the journal (a line cut by a kill -9 is skipped). */
export function readJournal(path: string): JournalEvent[] {
  if (!existsSync(path)) return [];
  const out: JournalEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as JournalEvent);
    } catch {
      /* a torn last line */
    }
  }
  return out;
}

/** The first `acquired` event after `since` (epoch ms), if any. */
export function acquiredAfter(events: JournalEvent[], since: number): LeaseEvent | null {
  for (const e of events) if (e.ev === 'acquired' && e.t >= since) return e;
  return null;
}

/**
 * The last time process `pid` was known to hold the lease before `before`: its latest acquisition or
 * renewal response (the service renewed no later than that, so the lease expired at most one lease
 * duration after it). Null when it never held the lease.
 */
export function lastHeldAt(events: JournalEvent[], pid: number, before: number): number | null {
  let at: number | null = null;
  for (const e of events)
    if ((e.ev === 'acquired' || e.ev === 'renewed') && e.pid === pid && e.t <= before) at = e.t;
  return at;
}

/** The pid of the latest lease acquisition, or null before the first. */
export function latestLeader(events: JournalEvent[]): number | null {
  for (let i = events.length - 1; i >= 0; i--) if (events[i].ev === 'acquired') return events[i].pid;
  return null;
}

export interface FencingReport {
  flushes: number;
  leases: number;
  /** Each one a proof failure: two leases' flushes overlap in time, or interleave on a workflow. */
  violations: string[];
}

/**
 * Two checks over every flush: (1) globally, the time span of each lease's flushes (first start → last
 * end) never overlaps another lease's; (2) per workflow, in the order of the ETag chain (each flush
 * names the ETag it replaced), a lease never flushes again once another lease flushed after it. Also
 * a fork (two flushes replacing the same ETag) would be a broken compare-and-swap.
 */
export function checkFencing(events: JournalEvent[]): FencingReport {
  const flushes = events.filter((e): e is FlushEvent => e.ev === 'flush');
  const violations: string[] = [];
  const spans = new Map<string, { from: number; to: number; pid: number }>();
  for (const f of flushes) {
    const s = spans.get(f.lease);
    if (!s) spans.set(f.lease, { from: f.t0, to: f.t, pid: f.pid });
    else {
      s.from = Math.min(s.from, f.t0);
      s.to = Math.max(s.to, f.t);
    }
  }
  const ordered = [...spans.entries()].sort((a, b) => a[1].from - b[1].from);
  for (let i = 1; i < ordered.length; i++) {
    const [prevLease, prev] = ordered[i - 1];
    const [lease, cur] = ordered[i];
    if (cur.from <= prev.to) {
      violations.push(
        `lease ${lease} (pid ${cur.pid}) flushed from ${cur.from} while lease ${prevLease} (pid ${prev.pid}) flushed until ${prev.to}`,
      );
    }
  }
  const byWorkflow = new Map<string, FlushEvent[]>();
  for (const f of flushes) {
    let list = byWorkflow.get(f.wf);
    if (!list) byWorkflow.set(f.wf, (list = []));
    list.push(f);
  }
  for (const [wf, list] of byWorkflow) {
    const byPrev = new Map<string, FlushEvent>();
    for (const f of list) {
      const other = byPrev.get(f.prev);
      if (other)
        violations.push(`${wf}: two flushes replaced ETag ${f.prev} (leases ${other.lease}, ${f.lease})`);
      byPrev.set(f.prev, f);
    }
    // Walk the chain from each flush whose predecessor no journaled flush produced (submit, a gap).
    const produced = new Set(list.map((f) => f.etag));
    const seen: string[] = [];
    for (const start of list.filter((f) => !produced.has(f.prev)).sort((a, b) => a.t0 - b.t0)) {
      for (let f: FlushEvent | undefined = start; f; f = byPrev.get(f.etag)) {
        if (seen[seen.length - 1] !== f.lease) seen.push(f.lease);
      }
    }
    const finished = new Set<string>();
    for (let i = 0; i < seen.length; i++) {
      if (finished.has(seen[i])) {
        violations.push(`${wf}: lease ${seen[i]} flushed again after another lease (${seen.join(' → ')})`);
        break;
      }
      if (i > 0) finished.add(seen[i - 1]);
    }
  }
  return { flushes: flushes.length, leases: spans.size, violations };
}

/** p50 and max of a list of durations (ms), rounded; nulls when empty. */
export function p50max(values: number[]): { n: number; p50_ms: number | null; max_ms: number | null } {
  if (values.length === 0) return { n: 0, p50_ms: null, max_ms: null };
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor((s.length - 1) / 2);
  const p50 = s.length % 2 ? s[mid] : (s[mid] + s[mid + 1]) / 2;
  return { n: s.length, p50_ms: Math.round(p50), max_ms: Math.round(s[s.length - 1]) };
}
