/**
 * run-local's account of failed tasks: its storage (an in-memory Azurite) is gone once it exits, so
 * before stopping it saves each failed task's latest log to `.jobq/` and the final summary names the
 * task, its error line and the command that shows the rest.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { LocalRunner } from '../client/local-runner.js';
import type { WorkflowStatus } from '../client/types.js';

/** Failed tasks whose logs are saved and named, at most, per run. */
export const MAX_FAILED_REPORTED = 20;

export interface FailedTaskReport {
  workflowId: string;
  task: string;
  attempt: number | null;
  /** First line of the task's error (state blob). */
  error: string;
  /** Saved log file (relative to the cwd), or null with `missing` saying why there is none. */
  logFile: string | null;
  missing: string | null;
}

/** First line of an error, cut to `max` characters. */
export function errorLine(error: string | null, max = 240): string {
  const line = (error ?? 'failed (no error recorded)').split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Read and save the logs of the failed tasks of `statuses` (before the runner's storage stops). */
export async function saveFailedTaskLogs(
  runner: LocalRunner,
  statuses: WorkflowStatus[],
  dir: string,
): Promise<{ reports: FailedTaskReport[]; more: number }> {
  const { loadLogRuntime, failedTasks, readTaskLog } = await import('../client/logs.js');
  const reports: FailedTaskReport[] = [];
  let more = 0;
  for (const s of statuses) {
    if (s.failed === 0) continue;
    const rt = await loadLogRuntime(runner.backend, s.workflow_id);
    if (!rt) continue;
    for (const task of failedTasks(rt)) {
      if (reports.length >= MAX_FAILED_REPORTED) {
        more++;
        continue;
      }
      const answer = await readTaskLog(runner.backend, s.workflow_id, task, { runtime: rt });
      const error = errorLine(rt.taskStatus(task).error);
      if (answer.kind === 'missing') {
        reports.push({
          workflowId: s.workflow_id,
          task,
          attempt: answer.attempt,
          error,
          logFile: null,
          missing: answer.message,
        });
        continue;
      }
      const path = join(dir, s.workflow_id, `${task}.attempt-${answer.attempt}.log`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, answer.text);
      const shown = relative(process.cwd(), path) || path;
      reports.push({
        workflowId: s.workflow_id,
        task,
        attempt: answer.attempt,
        error,
        logFile: shown,
        missing: null,
      });
    }
  }
  return { reports, more };
}

/** Summary lines: each failed task with its error line and how to see the rest of its log. */
export function failedTaskLines(r: { reports: FailedTaskReport[]; more: number }): string[] {
  const out: string[] = [];
  for (const f of r.reports) {
    const at = f.attempt !== null ? ` (attempt ${f.attempt})` : '';
    out.push(`  ✖ ${f.workflowId}/${f.task}${at}: ${f.error}`);
    out.push(f.logFile ? `      the rest of its log: cat ${shellQuote(f.logFile)}` : `      ${f.missing}`);
  }
  if (r.more > 0) out.push(`  … and ${r.more} more failed task(s), not saved`);
  return out;
}

/** Quote a path for a shell command line when it needs it. */
function shellQuote(p: string): string {
  return /^[\w./@%+=:,-]+$/.test(p) ? p : `'${p.replace(/'/g, "'\\''")}'`;
}
