import type { CommandModule } from 'yargs';
import { checkWorkflowId, positiveNumber, withContext, type GlobalArgs } from '../context.js';
import { liveSink, watchExitCode, watchLoop } from '../render/live.js';

interface WatchArgs extends GlobalArgs {
  id: string;
  interval: number;
  verbose?: boolean;
  'by-layer'?: boolean;
  tasks?: boolean;
}

/** Rows of the task table that fit under the header and layer table on the current screen. */
function taskRowBudget(): number {
  const rows = process.stdout.rows || 40;
  return Math.max(5, Math.floor((rows - 20) / 2));
}

/** `jobq workflow watch ID`: live view until a terminal state; exit 0 completed, 1 failed, 3 cancelled. */
export const watchCommand: CommandModule = {
  command: 'watch <id>',
  describe: 'Watch a workflow live until it ends (exit 0 completed, 1 failed, 3 cancelled, 4 detached)',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'Workflow ID' })
      .option('interval', { type: 'number', default: 1, describe: 'Seconds between refreshes' })
      .option('verbose', {
        alias: 'v',
        type: 'boolean',
        default: false,
        describe: 'Do not truncate task errors',
      })
      .option('by-layer', {
        type: 'boolean',
        default: true,
        describe: 'Show the layer table (--no-by-layer to hide)',
      })
      .option('tasks', {
        type: 'boolean',
        default: true,
        describe: 'Show the task table (--no-tasks to hide)',
      }),
  handler: async (raw) => {
    const a = raw as unknown as WatchArgs;
    const id = checkWorkflowId(a.id);
    const intervalS = positiveNumber(a.interval, '--interval');
    const code = await withContext(a, {}, async (ctx) => {
      const t = ctx.term;
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        const sink = await liveSink(process.stdout);
        const final = await watchLoop(() => ctx.client.status(id), {
          intervalS,
          colors: t.out,
          colour: t.outColor,
          byLayer: a['by-layer'] !== false,
          tasks: a.tasks !== false,
          verbose: Boolean(a.verbose),
          sink,
          maxTaskRows: t.stdoutTTY ? taskRowBudget() : undefined,
          signal: abort.signal,
          onRefreshError: (err) =>
            t.note(`Error refreshing: ${err instanceof Error ? err.message : String(err)}`),
        });
        const code = watchExitCode(final.status);
        if (code === 4) sink.done(`Detached from workflow ${id} (still ${final.status}).`);
        else sink.done(`Workflow ${id} reached terminal state: ${final.status}.`);
        return code;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
    process.exitCode = code;
  },
};
