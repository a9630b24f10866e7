import type { CommandModule } from 'yargs';
import { WORKFLOW_STATES } from '../../engine/states.js';
import type { IndexRow } from '../../ports/index-store.js';
import { parseWorkflowState, positiveInt, printJson, withContext, type GlobalArgs } from '../context.js';
import { colorState } from '../render/colors.js';
import { renderTable } from '../render/tables.js';

interface ListArgs extends GlobalArgs {
  status?: string;
  recent?: number;
  json?: boolean;
}

/** Index row in the JSON shape of `list --json`. */
export function rowJson(r: IndexRow): Record<string, unknown> {
  return {
    workflow_id: r.workflowId,
    name: r.name,
    status: r.workflowState,
    cancel_requested: r.cancelRequested,
    total: r.totalTasks,
    completed: r.completedTasks,
    running: r.runningTasks,
    failed: r.failedTasks,
    pending: r.pendingTasks,
    skipped: r.skippedTasks,
    default_queue: r.defaultQueue,
    queues_used: r.queuesUsed,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    error: r.error,
  };
}

function progress(r: IndexRow): string {
  return `${r.completedTasks}/${r.totalTasks} done, ${r.failedTasks} fail${r.skippedTasks ? `, ${r.skippedTasks} skip` : ''}`;
}

/** `jobq workflow list`: workflows from the index. */
export const listCommand: CommandModule = {
  command: 'list',
  describe: 'List workflows (index-backed; counters of running workflows may lag)',
  builder: (y) =>
    y
      .option('status', {
        type: 'string',
        describe: `Only this workflow state (${WORKFLOW_STATES.join(', ')})`,
      })
      .option('recent', { type: 'number', describe: 'Newest N terminal workflows by last update' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  handler: async (raw) => {
    const a = raw as unknown as ListArgs;
    const status = a.status === undefined ? undefined : parseWorkflowState(a.status);
    const recent = a.recent === undefined ? undefined : positiveInt(a.recent, '--recent');
    await withContext(a, { quiet: a.json }, async (ctx) => {
      const rows =
        recent !== undefined
          ? await ctx.client.listRecentTerminal({ limit: recent, status })
          : await ctx.client.list(status ? { status: [status] } : {});
      if (a.json) return printJson(rows.map(rowJson));
      if (rows.length === 0) return ctx.term.print('No workflows found.');
      const c = ctx.term.out;
      ctx.term.print(c.bold('Workflows'));
      ctx.term.print(
        renderTable(
          {
            head: ['ID', 'Name', 'Status', 'Progress'],
            rows: rows.map((r) => [
              r.workflowId,
              r.name,
              colorState(c, r.workflowState) +
                (r.cancelRequested && r.workflowState !== 'cancelled' ? c.yellow(' (cancel requested)') : ''),
              progress(r),
            ]),
          },
          c,
          ctx.term.outColor,
        ),
      );
    });
  },
};
