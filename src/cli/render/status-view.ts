/** The `status` / `watch` view (reference §7.4): header, coloured bar, counters, layer and task tables. */
import type { TaskStatusRecord } from '../../engine/api.js';
import type { WorkflowStatus } from '../../client/types.js';
import { colorState, type Colors } from './colors.js';
import { formatEta, formatRate, truncate } from './format.js';
import { rollupLayers } from './layers.js';
import { renderLayerTable } from './layer-table.js';
import { donePercent, stateBar } from './progress.js';
import { renderTable } from './tables.js';
import { statusCell, taskNote } from './task-notes.js';

export interface StatusViewOptions {
  colors: Colors;
  colour: boolean;
  byLayer: boolean;
  tasks: boolean;
  verbose: boolean;
  /** Completions per second (watch only). */
  rate?: number | null;
  etaS?: number | null;
  /** Max task rows in the live view (the rest summarised). */
  maxTaskRows?: number;
}

const ERROR_WIDTH = 37;

/** Counter line: `<n> completed  <n> running  <n> failed  <n> pending[  <n> skipped]`. */
export function counterLine(
  st: Pick<WorkflowStatus, 'completed' | 'running' | 'failed' | 'pending' | 'skipped'>,
  c: Colors,
): string {
  const parts = [
    c.green(`${st.completed} completed`),
    c.cyan(`${st.running} running`),
    (st.failed ? c.red : (s: string) => s)(`${st.failed} failed`),
    c.dim(`${st.pending} pending`),
  ];
  if (st.skipped) parts.push(c.magenta(`${st.skipped} skipped`));
  return parts.join('  ');
}

function header(st: WorkflowStatus, o: StatusViewOptions): string[] {
  const c = o.colors;
  const lines = [c.bold(`Workflow ${st.workflow_id}`)];
  lines.push(`  Name:    ${st.name}`);
  const cancel = st.cancel_requested && st.status !== 'cancelled' ? c.yellow('  (cancel requested)') : '';
  lines.push(`  Status:  ${colorState(c, st.status)}${cancel}`);
  if (o.rate !== undefined && o.rate !== null) lines.push(`  Rate:    ${formatRate(o.rate)}`);
  if (st.error) lines.push(`  Error:   ${c.red(st.error)}`);
  const eta = formatEta(o.etaS ?? null);
  lines.push('');
  lines.push(
    `  ${stateBar(st, 50, c)} ${donePercent(st)}  ${st.completed}/${st.total} tasks${eta ? `  ${eta}` : ''}`,
  );
  lines.push(`  ${counterLine(st, c)}`);
  return lines;
}

function taskRows(tasks: TaskStatusRecord[], o: StatusViewOptions): { text: string; truncated: number } {
  const c = o.colors;
  let truncated = 0;
  const limit = o.maxTaskRows ?? Number.POSITIVE_INFINITY;
  const rows = tasks.slice(0, limit).map((t) => {
    let err = t.error ?? '';
    if (!o.verbose && err.length > ERROR_WIDTH) {
      err = truncate(err, ERROR_WIDTH + 1);
      truncated++;
    }
    const deps = t.depends_on.length ? `${t.completed_deps}/${t.depends_on.length}` : '';
    const note = err ? c.red(err) : taskNote(t, c);
    return [t.name, statusCell(t, c), t.queue, deps, note];
  });
  let text = renderTable({ head: ['Task', 'Status', 'Queue', 'Deps', 'Error'], rows }, c, o.colour);
  if (tasks.length > limit)
    text += `\n  … ${tasks.length - limit} more task(s) (jobq workflow tasks <id> --limit 0)`;
  return { text, truncated };
}

/** Render the whole view as text (no trailing newline). */
export function renderStatusView(st: WorkflowStatus, o: StatusViewOptions): string {
  const lines = header(st, o);
  const tasks = st.tasks ?? [];
  if (o.byLayer && tasks.length) {
    lines.push('', renderLayerTable(rollupLayers(tasks), o.colors, o.colour));
  }
  if (o.tasks && tasks.length) {
    const { text, truncated } = taskRows(tasks, o);
    lines.push('', text);
    if (truncated)
      lines.push(
        o.colors.dim(`  ${truncated} error(s) truncated — use --verbose or --json for the full text.`),
      );
  }
  return lines.join('\n');
}
