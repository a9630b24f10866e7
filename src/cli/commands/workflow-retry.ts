import type { CommandModule } from 'yargs';
import { checkWorkflowId, printJson, withContext, type GlobalArgs } from '../context.js';

interface RetryArgs extends GlobalArgs {
  id: string;
  json?: boolean;
}

/** `jobq workflow retry ID`: reset failed, upstream-failed and cancelled tasks; the coordinator re-dispatches. */
export const retryCommand: CommandModule = {
  command: 'retry <id>',
  describe: 'Reset failed, upstream-failed and cancelled tasks to run again (clears a cancel request)',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'Workflow ID' })
      .option('cache', {
        type: 'boolean',
        default: true,
        describe: 'Serve cache: tasks from earlier results (--no-cache re-runs them)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print the counters as JSON' }),
  handler: async (raw) => {
    const a = raw as unknown as RetryArgs;
    const id = checkWorkflowId(a.id);
    await withContext(a, { quiet: a.json }, async (ctx) => {
      const r = await ctx.client.retry(id, { noCache: (raw as { cache?: boolean }).cache === false });
      if (a.json) return printJson(r);
      if (r.reset === 0) return ctx.term.print(`Workflow ${id} in ${ctx.label}: no tasks to retry.`);
      ctx.term.print(
        `Workflow ${id} in ${ctx.label}: reset ${r.reset} task(s) → ${r.now_ready} now ready, ${r.still_pending} still pending.`,
      );
    });
  },
};
