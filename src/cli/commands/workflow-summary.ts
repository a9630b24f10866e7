import type { CommandModule } from 'yargs';
import { printJson, withContext, type GlobalArgs } from '../context.js';
import { colorState } from '../render/colors.js';
import { counterLine } from '../render/status-view.js';

interface SummaryArgs extends GlobalArgs {
  json?: boolean;
}

/** `jobq workflow summary`: counts per workflow state and task totals (index-backed). */
export const summaryCommand: CommandModule = {
  command: 'summary',
  describe: 'Counts of workflows per state and of their tasks (index-backed)',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  handler: async (raw) => {
    const a = raw as unknown as SummaryArgs;
    await withContext(a, { quiet: a.json }, async (ctx) => {
      const s = await ctx.client.summary();
      if (a.json) return printJson(s);
      const c = ctx.term.out;
      ctx.term.print(c.bold('Workflows'));
      for (const state of Object.keys(s.workflows).sort())
        ctx.term.print(
          `  ${colorState(c, state)}${' '.repeat(Math.max(1, 12 - state.length))}${s.workflows[state]}`,
        );
      ctx.term.print(`  ${c.bold(`total ${s.total_workflows}`)}`);
      ctx.term.print('');
      const pct = s.total_tasks ? ((s.completed_tasks / s.total_tasks) * 100).toFixed(1) : '0.0';
      ctx.term.print(c.bold('Tasks') + c.dim(`  ${pct}% complete — ${s.total_tasks} total tasks`));
      ctx.term.print(
        `  ${counterLine({ completed: s.completed_tasks, running: s.running_tasks, failed: s.failed_tasks, pending: s.pending_tasks, skipped: s.skipped_tasks }, c)}`,
      );
    });
  },
};
