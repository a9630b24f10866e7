import type { CommandModule } from 'yargs';
import { statusJson } from '../../client/status.js';
import { checkWorkflowId, printJson, withContext, type GlobalArgs } from '../context.js';
import { renderStatusView } from '../render/status-view.js';

interface StatusArgs extends GlobalArgs {
  id: string;
  json?: boolean;
  verbose?: boolean;
  'by-layer'?: boolean;
  tasks?: boolean;
}

/** `jobq workflow status ID`: accurate, blob-backed status of one workflow. */
export const statusCommand: CommandModule = {
  command: 'status <id>',
  describe: 'Show the status of a workflow (read from its state blob, always current)',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'Workflow ID' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON (tasks keyed by name)' })
      .option('verbose', {
        alias: 'v',
        type: 'boolean',
        default: false,
        describe: 'Do not truncate task errors',
      })
      .option('by-layer', {
        type: 'boolean',
        default: false,
        describe: 'Add the layer table (tasks grouped by name stem)',
      })
      .option('tasks', {
        type: 'boolean',
        default: true,
        describe: 'Show the task table (--no-tasks to hide)',
      })
      .example('$0 workflow status wf-1a2b3c --by-layer --no-tasks', ''),
  handler: async (raw) => {
    const a = raw as unknown as StatusArgs;
    const id = checkWorkflowId(a.id);
    await withContext(a, { quiet: a.json }, async (ctx) => {
      const st = await ctx.client.status(id, { includeTasks: a.json ? a.tasks !== false : true });
      if (a.json) return printJson(statusJson(st));
      const t = ctx.term;
      t.print(
        renderStatusView(st, {
          colors: t.out,
          colour: t.outColor,
          byLayer: Boolean(a['by-layer']),
          tasks: a.tasks !== false,
          verbose: Boolean(a.verbose),
        }),
      );
    });
  },
};
