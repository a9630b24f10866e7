/**
 * `JOBQ_COORDINATOR_FLUSH_JOURNAL=FILE` (a diagnostic, used by the two-coordinator chaos run): one JSON
 * line per lease event and per successful state flush, each naming the lease id it was made under, so
 * a checker can prove that two leaders' flushes never interleave. Appends synchronously: a line is on
 * disk before the next flush starts, even if the process is kill -9'd right after.
 */
import { appendFileSync } from 'node:fs';

/** One line of the journal. `t` is epoch ms; flushes also carry their start `t0` and the ETag chain. */
export type JournalEntry =
  | { ev: 'acquired' | 'released' | 'renewed'; t: number; pid: number; lease: string }
  | {
      ev: 'flush';
      t: number;
      t0: number;
      pid: number;
      lease: string;
      wf: string;
      prev: string;
      etag: string;
    };

/** A flush the table made: which workflow, from which ETag to which, when it started (epoch ms). */
export interface FlushRecord {
  workflowId: string;
  prevEtag: string;
  etag: string;
  startedAt: number;
  seconds: number;
}

export class FlushJournal {
  constructor(
    private readonly path: string,
    private readonly leaseId: string,
  ) {}

  /** A lease event; `renewed` is written when a renewal's response arrived (the service renewed before). */
  lease(ev: 'acquired' | 'released' | 'renewed'): void {
    this.append({ ev, t: Date.now(), pid: process.pid, lease: this.leaseId });
  }

  flush(f: FlushRecord): void {
    this.append({
      ev: 'flush',
      t: Date.now(),
      t0: f.startedAt,
      pid: process.pid,
      lease: this.leaseId,
      wf: f.workflowId,
      prev: f.prevEtag,
      etag: f.etag,
    });
  }

  private append(e: JournalEntry): void {
    appendFileSync(this.path, JSON.stringify(e) + '\n');
  }
}
