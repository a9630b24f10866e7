import type { CommandModule } from 'yargs';
import { explainTask, explainWorkflow } from '../../client/explain.js';
import type { Explanation } from '../../client/types.js';
import { checkWorkflowId, printJson, withContext, type CliContext, type GlobalArgs } from '../context.js';
import { colorState } from '../render/colors.js';

interface ExplainArgs extends GlobalArgs {
  id: string;
  task?: string;
  json?: boolean;
}

function render(ctx: CliContext, e: Explanation): void {
  const c = ctx.term.out;
  const t = ctx.term;
  t.print(
    `${c.bold(e.task ? `Task ${e.task}` : `Workflow ${e.workflow_id}`)} (${e.name}): ${colorState(c, e.status)}`,
  );
  t.print(`  ${e.summary}`);
  const counts = Object.entries(e.counts_by_state).map(([s, n]) => `${n} ${colorState(c, s)}`);
  if (counts.length) t.print(`  ${counts.join('  ')}`);
  if (e.blockers.length === 0) t.print(c.green('  No blockers.'));
  for (const b of e.blockers) t.print(`  ${c.yellow('⚠')} ${b}`);
  for (const [k, v] of Object.entries(e.detail))
    if (v !== null && v !== undefined && v !== false)
      t.print(c.dim(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`));
}

/** `jobq workflow explain ID [--task NAME]`: why a workflow or task is not moving. */
export const explainCommand: CommandModule = {
  command: 'explain <id>',
  describe: 'Explain what a workflow (or one task) is waiting for, from its stored state',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'Workflow ID' })
      .option('task', { type: 'string', describe: 'Explain this task' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the explanation record as JSON' }),
  handler: async (raw) => {
    const a = raw as unknown as ExplainArgs;
    const id = checkWorkflowId(a.id);
    await withContext(a, { quiet: a.json }, async (ctx) => {
      const loaded = await ctx.client.loadRuntime(id);
      if (!loaded) {
        const missing: Explanation = {
          workflow_id: id,
          name: '',
          status: 'missing',
          summary: `workflow ${id} not found in ${ctx.label}`,
          counts_by_state: {},
          blockers: [],
          detail: {},
        };
        if (a.json) printJson(missing);
        else ctx.term.note(`jobq: workflow not found: ${id} in ${ctx.label}`);
        process.exitCode = 1;
        return;
      }
      const pendingRows = loaded.rt.state === 'pending' ? await ctx.client.list({ status: ['pending'] }) : [];
      const ectx = { now: Date.now(), pendingRows, lockWaits: await ctx.client.lockWaits(loaded.rt) };
      const e =
        a.task !== undefined ? explainTask(loaded.rt, a.task, ectx) : explainWorkflow(loaded.rt, ectx);
      if (a.json) printJson(e);
      else render(ctx, e);
      if (e.status === 'missing') process.exitCode = 1;
    });
  },
};
