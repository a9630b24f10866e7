/** Text of `jobq workflow logs`: the header of an attempt's log and its lines (colour on a TTY). */
import { truncationMarker, type TaskLogFound } from '../../client/logs.js';
import type { TaskLogLine } from '../../wire/task-log.js';
import type { Colors } from './colors.js';
import { colorState } from './colors.js';
import { formatElapsed } from './format.js';

/** `20:00:05` of an ISO time (UTC, as stored), or `?`. */
function clock(iso: string | null): string {
  if (!iso) return '?';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '?' : new Date(t).toISOString().slice(11, 19);
}

/**
 * The header of one attempt's log: which attempt of how many, how it ended, on which worker, when;
 * then the task's error from the state blob when the log's own ending says something else (a timeout).
 */
export function taskLogHeader(f: TaskLogFound, c: Colors): string[] {
  const h = f.header;
  const parts = [c.bold(`${f.workflowId}/${f.task}`), `attempt ${f.attempt}`];
  if (f.storedAttempts.length > 1) parts.push(`logs of attempts ${f.storedAttempts.join(', ')}`);
  parts.push(`task ${colorState(c, f.taskState)}`);
  if (h.state === 'final') {
    const how =
      h.success === null ? c.yellow('interrupted') : h.success ? c.green('succeeded') : c.red('failed');
    const exit = h.signal ? `killed by ${h.signal}` : h.exit_code !== null ? `exit ${h.exit_code}` : null;
    parts.push(exit ? `${how} (${exit})` : how);
    const secs = (Date.parse(h.ended_at ?? '') - Date.parse(h.started_at)) / 1000;
    parts.push(
      `${clock(h.started_at)} → ${clock(h.ended_at)} UTC (${Number.isFinite(secs) ? formatElapsed(secs) : '?'})`,
    );
  } else {
    const every = h.refresh_s > 0 ? `, refreshed every ${h.refresh_s}s` : '';
    parts.push(
      f.live
        ? c.cyan(`running since ${clock(h.started_at)} UTC (log as of ${clock(h.updated_at)}${every})`)
        : c.yellow(`not finished: last written ${clock(h.updated_at)} UTC, the worker stopped writing`),
    );
  }
  parts.push(`worker ${h.worker}`);
  const out = [`== ${parts.join(' · ')} ==`];
  if (h.error) out.push(`   error: ${h.error}`);
  if (f.taskError && f.taskError !== h.error && f.attempt === f.currentAttempt)
    out.push(`   task error (coordinator): ${f.taskError}`);
  return out;
}

/** One line: dim time, the stream (stderr red, jobq notes yellow), the text. */
export function taskLogLine(l: TaskLogLine, c: Colors, opts: { raw?: boolean } = {}): string {
  if (opts.raw) return l.text;
  const tag = l.stream.padEnd(6);
  const stream = l.stream === 'stderr' ? c.red(tag) : l.stream === 'jobq' ? c.yellow(tag) : c.dim(tag);
  return `${c.dim(new Date(l.t).toISOString())} ${stream} ${l.text}`;
}

/** The lines of a found log, after the truncation marker when lines were dropped. */
export function taskLogLines(f: TaskLogFound, c: Colors, opts: { raw?: boolean } = {}): string[] {
  const out: string[] = [];
  if (f.truncated && !opts.raw) out.push(c.yellow(truncationMarker(f.header)));
  for (const l of f.lines) out.push(taskLogLine(l, c, opts));
  return out;
}

/** The marker of lines `--follow` never saw (dropped by the bound between two reads). */
export function unseenLinesMarker(n: number, c: Colors): string {
  return c.yellow(`[jobq: ${n} line(s) dropped by the log's bound before they could be shown]`);
}
