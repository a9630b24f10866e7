import type { CommandModule } from 'yargs';
import type { TaskStatusRecord } from '../../engine/api.js';
import { TASK_STATES } from '../../engine/states.js';
import {
  checkWorkflowId,
  parseTaskState,
  positiveInt,
  printJson,
  withContext,
  type CliContext,
  type GlobalArgs,
} from '../context.js';
import { statusCell, taskNote } from '../render/task-notes.js';
import { truncate } from '../render/format.js';
import { renderTable } from '../render/tables.js';
import type { TaskFilter } from '../../client/types.js';

interface TasksArgs extends GlobalArgs {
  ids?: string[];
  status?: string;
  queue?: string;
  prefix?: string;
  limit: number;
  json?: boolean;
  verbose?: boolean;
}

/** A task in the JSON shape of `tasks --json`. */
function taskJson(t: TaskStatusRecord, workflowId?: string): Record<string, unknown> {
  const out: Record<string, unknown> = workflowId ? { workflow_id: workflowId } : {};
  return Object.assign(out, {
    name: t.name,
    status: t.status,
    queue: t.queue,
    depends_on: t.depends_on,
    dep_policy: t.dep_policy,
    completed_deps: t.completed_deps,
    failed_deps: t.failed_deps,
    attempt_no: t.attempt_no,
    retries_remaining: t.retries_remaining,
    started_at: t.started_at,
    completed_at: t.completed_at,
    error: t.error,
    output_ref: t.output_ref,
    ...(t.waiting_for ? { waiting_for: t.waiting_for } : {}),
    // jobq extension: the `<workflow>/<task>/<attempt>` whose cached result completed this task.
    ...(t.cached_from ? { cached_from: t.cached_from } : {}),
  });
}

function table(ctx: CliContext, tasks: TaskStatusRecord[], verbose: boolean): string {
  const c = ctx.term.out;
  return renderTable(
    {
      head: ['Task', 'Status', 'Queue', 'Attempt', 'Deps', 'Error'],
      rows: tasks.map((t) => [
        t.name,
        statusCell(t, c),
        t.queue,
        t.attempt_no || '',
        t.depends_on.length ? `${t.completed_deps}/${t.depends_on.length}` : '',
        t.error ? (verbose ? t.error : truncate(t.error, 60)) : taskNote(t, c),
      ]),
    },
    c,
    ctx.term.outColor,
  );
}

async function allWorkflowIds(ctx: CliContext): Promise<string[]> {
  return (await ctx.client.list()).map((r) => r.workflowId);
}

/** `jobq workflow tasks [ID...]`: tasks of one, several or all workflows. */
export const tasksCommand: CommandModule = {
  command: 'tasks [ids..]',
  describe: 'List tasks of workflows (all workflows when no ID is given: slow on big prefixes)',
  builder: (y) =>
    y
      .positional('ids', { type: 'string', array: true, describe: 'Workflow IDs' })
      .option('status', { type: 'string', describe: `Only tasks in this state (${TASK_STATES.join(', ')})` })
      .option('queue', { type: 'string', describe: 'Only tasks of this queue' })
      .option('prefix', { type: 'string', describe: 'Only tasks whose name starts with this' })
      .option('limit', { type: 'number', default: 100, describe: 'Stop after this many tasks (0 = all)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
      .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'Do not truncate errors' }),
  handler: async (raw) => {
    const a = raw as unknown as TasksArgs;
    const ids = (a.ids ?? []).map(checkWorkflowId);
    const filter: TaskFilter = {
      status: a.status ? parseTaskState(a.status) : undefined,
      queue: a.queue,
      prefix: a.prefix,
    };
    const limit = positiveInt(a.limit, '--limit', { allowZero: true }) || Number.POSITIVE_INFINITY;
    await withContext(a, { quiet: a.json }, async (ctx) => {
      const scanAll = ids.length === 0;
      const targets = scanAll ? await allWorkflowIds(ctx) : ids;
      const groups: { id: string; tasks: TaskStatusRecord[] }[] = [];
      let count = 0;
      for (const id of targets) {
        if (count >= limit) break;
        const tasks = await ctx.client.listTasks(id, filter).catch((err: unknown) => {
          if (scanAll) return [] as TaskStatusRecord[]; // purged between the scan and the load
          throw err;
        });
        const kept = tasks.slice(0, limit - count);
        count += kept.length;
        if (kept.length) groups.push({ id, tasks: kept });
      }
      const hitLimit = count >= limit && Number.isFinite(limit);
      if (a.json) {
        if (ids.length === 1) return printJson((groups[0]?.tasks ?? []).map((t) => taskJson(t)));
        return printJson(groups.flatMap((g) => g.tasks.map((t) => taskJson(t, g.id))));
      }
      if (count === 0) return ctx.term.print('No tasks found.');
      for (const g of groups) {
        if (ids.length !== 1) ctx.term.print(`\n${g.id}:`);
        ctx.term.print(table(ctx, g.tasks, Boolean(a.verbose)));
      }
      if (hitLimit) ctx.term.print(ctx.term.out.dim(`(showing first ${limit} — use --limit 0 for all)`));
    });
  },
};
