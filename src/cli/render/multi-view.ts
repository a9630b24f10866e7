/** The aggregate view of `run-local` with several workflows: Workflows and Tasks bars, plus one bar per running workflow when few run. */
import type { WorkflowStatus } from '../../client/types.js';
import { isTerminalWorkflowState } from '../../engine/states.js';
import { colorState, type Colors } from './colors.js';
import { formatElapsed, formatEta, formatRate } from './format.js';
import { fractionBar, stateBar } from './progress.js';

/** Show per-workflow bars when at most this many run at once. */
export const MAX_PER_WORKFLOW_BARS = 8;

export interface Aggregate {
  workflows: {
    total: number;
    completed: number;
    failed: number;
    cancelled: number;
    running: number;
    pending: number;
  };
  tasks: {
    total: number;
    completed: number;
    failed: number;
    running: number;
    skipped: number;
    pending: number;
  };
}

/** Sum the statuses of many workflows. */
export function aggregate(statuses: WorkflowStatus[]): Aggregate {
  const a: Aggregate = {
    workflows: { total: statuses.length, completed: 0, failed: 0, cancelled: 0, running: 0, pending: 0 },
    tasks: { total: 0, completed: 0, failed: 0, running: 0, skipped: 0, pending: 0 },
  };
  for (const s of statuses) {
    if (s.status === 'completed') a.workflows.completed++;
    else if (s.status === 'failed') a.workflows.failed++;
    else if (s.status === 'cancelled') a.workflows.cancelled++;
    else if (s.status === 'pending') a.workflows.pending++;
    else a.workflows.running++;
    a.tasks.total += s.total;
    a.tasks.completed += s.completed;
    a.tasks.failed += s.failed;
    a.tasks.running += s.running;
    a.tasks.skipped += s.skipped;
    a.tasks.pending += s.pending;
  }
  return a;
}

/** Render the aggregate frame. */
export function renderAggregate(
  statuses: WorkflowStatus[],
  c: Colors,
  elapsedS: number,
  rate: number | null,
  etaS: number | null,
): string {
  const a = aggregate(statuses);
  const w = a.workflows;
  const wDone = w.completed + w.failed + w.cancelled;
  const lines = [
    c.bold(
      `Workflows ${fractionBar(w.total ? wDone / w.total : 0, 30, c, w.failed ? c.red : c.green)} ${wDone}/${w.total}`,
    ) +
      `  ${c.green(`${w.completed} completed`)}  ${c.cyan(`${w.running} running`)}  ${w.failed ? c.red(`${w.failed} failed`) : '0 failed'}` +
      (w.cancelled ? `  ${c.yellow(`${w.cancelled} cancelled`)}` : '') +
      (w.pending ? `  ${c.dim(`${w.pending} pending`)}` : ''),
    c.bold(`Tasks     ${stateBar(a.tasks, 30, c)} ${a.tasks.completed}/${a.tasks.total}`) +
      `  ${c.cyan(`${a.tasks.running} running`)}  ${a.tasks.failed ? c.red(`${a.tasks.failed} failed`) : '0 failed'}` +
      `  ${formatElapsed(elapsedS)}${rate !== null ? `  ${formatRate(rate)}` : ''}${formatEta(etaS) ? `  ${formatEta(etaS)}` : ''}`,
  ];
  const live = statuses.filter((s) => !isTerminalWorkflowState(s.status) && s.status !== 'pending');
  if (live.length > 0 && live.length <= MAX_PER_WORKFLOW_BARS) {
    lines.push('');
    const width = Math.min(28, Math.max(...live.map((s) => s.name.length)));
    for (const s of live) {
      lines.push(
        `  ${s.name.slice(0, width).padEnd(width)} ${stateBar(s, 24, c)} ${s.completed}/${s.total}  ${colorState(c, s.status)}`,
      );
    }
  }
  return lines.join('\n');
}

/** Plain one-line aggregate for non-TTY output. */
export function plainAggregateLine(statuses: WorkflowStatus[]): string {
  const a = aggregate(statuses);
  const w = a.workflows;
  return `workflows ${w.completed + w.failed + w.cancelled}/${w.total} done (${w.completed} completed, ${w.failed} failed, ${w.cancelled} cancelled); tasks ${a.tasks.completed}/${a.tasks.total} completed, ${a.tasks.running} running, ${a.tasks.failed} failed`;
}
