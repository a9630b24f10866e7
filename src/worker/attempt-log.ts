/**
 * The log of one task attempt as the worker keeps it: every stdout/stderr line with its time and
 * stream, bounded to the last `maxBytes` (older lines are dropped and counted), stored as a blob
 * beside the outputs every `refreshIntervalS` while the attempt runs and once when it ends — whatever
 * the ending (success, failure, cancel, shutdown). A failed write is logged, never fails the task.
 */
import type { Logger } from '../log.js';
import type { TaskLogStore } from '../ports/task-log-store.js';
import { TASK_LOG_VERSION, type TaskLogDoc, type TaskLogLine, type TaskLogStream } from '../wire/task-log.js';

/** How workers keep attempt logs (env JOBQ_LOG_REFRESH_INTERVAL, JOBQ_LOG_MAX_BYTES; docs/workers.md). */
export interface TaskLogSettings {
  /** Seconds between refreshes while an attempt runs; 0 = write only when it ends. */
  refreshIntervalS: number;
  /** Bound of a stored log before gzip: each line counts its UTF-8 text plus LINE_OVERHEAD_BYTES. */
  maxBytes: number;
}

export const TASK_LOG_DEFAULTS: Readonly<TaskLogSettings> = Object.freeze({
  refreshIntervalS: 10,
  maxBytes: 1024 * 1024,
});

/** What a line costs beside its text in the stored NDJSON (`[1764619200000,"o",""]` and a newline). */
export const LINE_OVERHEAD_BYTES = 24;
/** Longest line kept whole; longer ones are cut with a note of how much was cut. */
export const MAX_LINE_BYTES = 64 * 1024;
/** A silent attempt still refreshes after this many periods, so readers can tell it is alive. */
const HEARTBEAT_PERIODS = 2;

function cutLine(text: string, bytes: number, cap: number): string {
  const kept = Buffer.from(text, 'utf8')
    .subarray(0, cap)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${kept}… [jobq: ${bytes - Buffer.byteLength(kept, 'utf8')} more bytes of this line cut]`;
}

/** The newest lines within a byte budget, with counts of what was dropped from the front. */
export class BoundedLines {
  droppedLines = 0;
  /** UTF-8 bytes of dropped lines' text, newlines included (what a user would call output bytes). */
  droppedBytes = 0;
  /** Increases with every line appended (refreshes skip an unchanged log). */
  version = 0;
  private buf: TaskLogLine[] = [];
  private costs: number[] = [];
  private head = 0;
  private used = 0;

  constructor(private readonly maxBytes: number) {}

  append(stream: TaskLogStream, text: string, t: number): void {
    let bytes = Buffer.byteLength(text, 'utf8');
    const cap = Math.min(MAX_LINE_BYTES, Math.max(64, this.maxBytes - LINE_OVERHEAD_BYTES - 64));
    if (bytes > cap) {
      text = cutLine(text, bytes, cap);
      bytes = Buffer.byteLength(text, 'utf8');
    }
    const cost = bytes + LINE_OVERHEAD_BYTES;
    this.buf.push({ t, stream, text });
    this.costs.push(cost);
    this.used += cost;
    this.version++;
    while (this.used > this.maxBytes && this.head < this.buf.length - 1) this.dropOldest();
    if (this.head > 1024 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.costs = this.costs.slice(this.head);
      this.head = 0;
    }
  }

  /** The kept lines, oldest first (a copy). */
  lines(): TaskLogLine[] {
    return this.buf.slice(this.head);
  }

  private dropOldest(): void {
    const cost = this.costs[this.head];
    this.used -= cost;
    this.droppedBytes += cost - LINE_OVERHEAD_BYTES + 1;
    this.droppedLines++;
    this.head++;
  }
}

/** How an attempt ended, for the final log's header. */
export interface AttemptEnd {
  success: boolean | null;
  error: string | null;
  exitCode?: number | null;
  signal?: string | null;
}

export interface AttemptLogOptions {
  store: TaskLogStore;
  workflowId: string;
  task: string;
  attempt: number;
  workerId: string;
  settings: TaskLogSettings;
  logger: Logger;
  now?: () => number;
}

/** One attempt's log: collect lines, refresh the blob while running, write the final version. */
export class AttemptLog {
  private readonly lines: BoundedLines;
  private readonly startedAt: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private writtenVersion = -1;
  private lastWriteAt = 0;
  private warned = false;
  private finished = false;
  private inFlight = false;

  constructor(private readonly opts: AttemptLogOptions) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.lines = new BoundedLines(opts.settings.maxBytes);
  }

  /** Start the refresh timer (no-op when refreshes are off). */
  start(): this {
    const everyS = this.opts.settings.refreshIntervalS;
    if (everyS > 0 && !this.timer) {
      this.lastWriteAt = this.now();
      this.timer = setInterval(() => this.refresh(), everyS * 1000);
      this.timer.unref();
    }
    return this;
  }

  /** A line the task printed. */
  line(stream: 'stdout' | 'stderr', text: string): void {
    if (!this.finished) this.lines.append(stream, text, this.now());
  }

  /** A line jobq adds (cancel, shutdown, how the attempt ended). */
  note(text: string): void {
    if (!this.finished) this.lines.append('jobq', text, this.now());
  }

  /** Stop refreshing and store the final log (waits for a refresh in flight). Never throws. */
  async finish(end: AttemptEnd): Promise<void> {
    if (this.finished) return this.writing;
    this.note(endNote(end));
    this.finished = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.enqueueWrite(this.doc('final', end));
  }

  private refresh(): void {
    if (this.finished || this.inFlight) return; // storage is slow: never pile refreshes up
    const heartbeatDue =
      this.now() - this.lastWriteAt >= HEARTBEAT_PERIODS * this.opts.settings.refreshIntervalS * 1000;
    if (this.lines.version === this.writtenVersion && !heartbeatDue) return;
    void this.enqueueWrite(this.doc('running', null));
  }

  private enqueueWrite(doc: TaskLogDoc): Promise<void> {
    const version = this.lines.version;
    this.lastWriteAt = this.now();
    this.inFlight = true;
    this.writing = this.writing.then(async () => {
      try {
        await this.opts.store.write(doc);
        this.writtenVersion = version;
      } catch (err) {
        // One warning per attempt: a storage outage must not flood the worker's log every 10 s.
        if (!this.warned || doc.state === 'final')
          this.opts.logger.warn(
            { err: err instanceof Error ? err.message : String(err), state: doc.state },
            'could not store the task log of this attempt',
          );
        this.warned = true;
      } finally {
        this.inFlight = false;
      }
    });
    return this.writing;
  }

  private doc(state: 'running' | 'final', end: AttemptEnd | null): TaskLogDoc {
    const o = this.opts;
    const now = new Date(this.now()).toISOString();
    return {
      v: TASK_LOG_VERSION,
      workflow_id: o.workflowId,
      task: o.task,
      attempt: o.attempt,
      state,
      worker: o.workerId,
      started_at: new Date(this.startedAt).toISOString(),
      updated_at: now,
      ended_at: end ? now : null,
      exit_code: end?.exitCode ?? null,
      signal: end?.signal ?? null,
      success: end?.success ?? null,
      error: end?.error ?? null,
      dropped_lines: this.lines.droppedLines,
      dropped_bytes: this.lines.droppedBytes,
      max_bytes: o.settings.maxBytes,
      refresh_s: o.settings.refreshIntervalS,
      lines: this.lines.lines(),
    };
  }
}

function endNote(end: AttemptEnd): string {
  if (end.success === null) return `attempt interrupted: ${end.error ?? 'the worker stopped'}`;
  return end.success ? 'attempt succeeded' : `attempt failed: ${end.error ?? 'unknown error'}`;
}
