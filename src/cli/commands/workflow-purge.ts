import type { CommandModule } from 'yargs';
import { discoverQueues, drainQueues, purgeOrphans, purgeWorkflows } from '../../client/maintenance.js';
import { resourceNames } from '../../adapters/names.js';
import { confirm, printJson, withContext, type CliContext, type GlobalArgs } from '../context.js';
import { listWithMore } from '../render/format.js';

interface PurgeArgs extends GlobalArgs {
  all?: boolean;
  'drain-queues'?: boolean;
  'drop-tables'?: boolean;
  orphans?: boolean;
  yes?: boolean;
  json?: boolean;
}

function plan(ctx: CliContext, a: PurgeArgs, queues: string[]): string {
  const names = resourceNames(ctx.target.prefix);
  const lines = [
    `Storage: ${ctx.label}`,
    `  containers: ${names.stateContainer}, ${names.outputsContainer}   table: ${names.indexTable}`,
  ];
  if (a['drain-queues']) lines.push(`  queues (${queues.length}): ${listWithMore(queues, 6)}`);
  return lines.join('\n');
}

function question(a: PurgeArgs): string {
  const parts: string[] = [];
  if (a.orphans && !a.all) parts.push('orphan workflow blobs (no index row)');
  else parts.push(a.all ? 'ALL (including running)' : 'terminal (completed/failed/cancelled)');
  const scope = a.orphans && !a.all ? parts[0] : `${parts[0]} workflow data`;
  return `This will permanently delete ${scope}${a['drop-tables'] ? ', drop and recreate the containers and table' : ''}${a['drain-queues'] ? ' AND drain those queues' : ''}. Continue?`;
}

async function execute(ctx: CliContext, a: PurgeArgs, queues: string[]): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  if (!a.orphans || a.all || a['drop-tables']) {
    const r = await purgeWorkflows(ctx.backend, { all: a.all, dropTables: a['drop-tables'] });
    Object.assign(result, r, { tables_dropped: Boolean(a['drop-tables']) });
  }
  if (a.orphans) result.orphans = await purgeOrphans(ctx.backend, Date.now());
  if (a['drain-queues']) {
    const drained = await drainQueues(ctx.backend, queues, { logger: ctx.logger });
    result.queues = Object.fromEntries(drained.map((d) => [d.queue, d.messages]));
  }
  return result;
}

function report(ctx: CliContext, r: Record<string, unknown>): void {
  const t = ctx.term;
  if (typeof r.workflows === 'number') t.print(`Deleted ${r.workflows} workflow rows and 0 task rows.`);
  if (r.tables_dropped) t.print('Tables dropped (will be recreated on next submit).');
  if (Array.isArray(r.orphans))
    t.print(
      `Removed ${r.orphans.length} orphan workflow(s)${r.orphans.length ? `: ${listWithMore(r.orphans as string[], 5)}` : ''}.`,
    );
  if (r.queues) {
    const counts = Object.values(r.queues as Record<string, number>);
    const ok = counts.filter((n) => n >= 0);
    const failed = counts.length - ok.length;
    t.print(
      `Drained ${ok.length} queue(s) (${ok.reduce((s, n) => s + n, 0)} approx message(s)).${failed ? ` ${failed} queue(s) failed — see logs.` : ''}`,
    );
  }
}

/** `jobq workflow purge`: delete workflow data (terminal by default), orphans, and optionally drain queues. */
export const purgeCommand: CommandModule = {
  command: 'purge',
  describe: 'Delete workflows (terminal ones unless --all), orphan blobs, and optionally drain queues',
  builder: (y) =>
    y
      .option('all', { type: 'boolean', default: false, describe: 'Include pending and running workflows' })
      .option('drain-queues', {
        type: 'boolean',
        default: false,
        describe: 'Also clear every task queue named by the index and the completion queue',
      })
      .option('drop-tables', {
        type: 'boolean',
        default: false,
        describe: 'Drop and recreate the containers and the index table',
      })
      .option('orphans', {
        type: 'boolean',
        default: false,
        describe:
          'Remove workflow blobs that have no index row (an interrupted submit); alone, touches nothing else',
      })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' }),
  handler: async (raw) => {
    const a = raw as unknown as PurgeArgs;
    await withContext(a, { action: 'Purge', quiet: a.json }, async (ctx) => {
      const queues = a['drain-queues'] ? await discoverQueues(ctx.backend) : [];
      if (!a.yes) {
        ctx.term.note(plan(ctx, a, queues));
        if (!(await confirm(question(a)))) {
          ctx.term.note('Aborted: nothing deleted (pass --yes to skip the question).');
          process.exitCode = 1;
          return;
        }
      }
      const r = await execute(ctx, a, queues);
      if (a.json) printJson(r);
      else report(ctx, r);
    });
  },
};
