import type { CommandModule } from 'yargs';
import { checkWorkflowId, printJson, withContext, type GlobalArgs } from '../context.js';

interface CancelArgs extends GlobalArgs {
  id: string;
  json?: boolean;
}

/** `jobq workflow cancel ID`: flag the workflow and tell the coordinator; returns at once. */
export const cancelCommand: CommandModule = {
  command: 'cancel <id>',
  describe: 'Request cancellation: pending tasks are cancelled, running tasks are stopped by their workers',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'Workflow ID' })
      .option('json', { type: 'boolean', default: false, describe: 'Print a one-line JSON object' }),
  handler: async (raw) => {
    const a = raw as unknown as CancelArgs;
    const id = checkWorkflowId(a.id);
    await withContext(a, { quiet: a.json }, async (ctx) => {
      const newly = await ctx.client.cancel(id);
      if (a.json)
        return printJson(
          { workflow_id: id, cancel_requested: true, newly_requested: newly, target: ctx.label },
          { compact: true },
        );
      ctx.term.print(
        newly
          ? `Cancellation requested for workflow ${id} in ${ctx.label}.`
          : `Cancellation was already requested for workflow ${id} in ${ctx.label}.`,
      );
    });
  },
};
