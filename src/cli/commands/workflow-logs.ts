/**
 * `jobq workflow logs ID [TASK]`: the stored output of task attempts (jobq workers keep each attempt's
 * stdout/stderr, see docs/workers.md "Task logs"); `--kql` prints the reference's Application Insights
 * query instead. Heavy modules are imported in the handler (start-up rule in commands/index.ts).
 */
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import {
  checkWorkflowId,
  positiveInt,
  printJson,
  withContext,
  type CliContext,
  type GlobalArgs,
} from '../context.js';

interface LogsArgs extends GlobalArgs {
  id: string;
  task?: string;
  attempt?: number;
  follow?: boolean;
  kql?: boolean;
  since?: string;
  table?: string;
  json?: boolean;
  raw?: boolean;
  limit?: number;
}

/** Failed tasks shown at most without TASK, unless --limit says otherwise. */
const DEFAULT_FAILED_LIMIT = 20;

function builder(y: Argv): Argv {
  return y
    .positional('id', { type: 'string', describe: 'Workflow ID' })
    .positional('task', { type: 'string', describe: 'Task name (default: every failed task)' })
    .option('attempt', { type: 'number', describe: 'Show this attempt (default: the latest)' })
    .option('follow', {
      alias: 'f',
      type: 'boolean',
      default: false,
      describe: "Stream a running attempt's log until the attempt ends (workers refresh it every ~10 s)",
    })
    .option('raw', {
      type: 'boolean',
      default: false,
      describe: 'Print only the lines, without time and stream',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print the answer(s) as JSON' })
    .option('limit', {
      type: 'number',
      describe: `Without TASK: show at most this many failed tasks (default ${DEFAULT_FAILED_LIMIT})`,
    })
    .option('kql', {
      type: 'boolean',
      default: false,
      describe: 'Print the Application Insights query for this workflow (or task) instead; needs no storage',
    })
    .option('since', { type: 'string', describe: 'With --kql: how far back, a KQL timespan (default 1h)' })
    .option('table', { type: 'string', describe: 'With --kql: the table to query (default traces)' })
    .example('$0 workflow logs WF train', 'the latest attempt of task train')
    .example('$0 workflow logs WF train --attempt 1', 'its first attempt')
    .example('$0 workflow logs WF', 'the log of every failed task, each under a header')
    .example('$0 workflow logs WF train -f', 'stream a running attempt until it ends')
    .epilogue(
      'Workers keep the last 1 MiB of each attempt (JOBQ_LOG_MAX_BYTES) and refresh it every 10 s while it ' +
        'runs (JOBQ_LOG_REFRESH_INTERVAL, 0 = only at the end). Python ai4s-jobq workers keep no log: use --kql. ' +
        'Exit 1 when the log asked for does not exist (the line says why). See docs/cli.md.',
    );
}

/** Every flag combination checked before storage is contacted (exit 2 on a bad one). */
function checkArgs(a: LogsArgs): { id: string; attempt: number | undefined; limit: number } {
  const id = checkWorkflowId(a.id);
  const attempt = a.attempt === undefined ? undefined : positiveInt(a.attempt, '--attempt');
  const limit = a.limit === undefined ? DEFAULT_FAILED_LIMIT : positiveInt(a.limit, '--limit');
  if (!a.kql && (a.since !== undefined || a.table !== undefined))
    throw new UsageError('--since and --table belong to --kql: add --kql, or drop them.');
  if (a.kql && (a.follow || a.attempt !== undefined || a.json))
    throw new UsageError('--kql prints a query only: drop --follow, --attempt and --json.');
  if (a.task === undefined && (a.follow || attempt !== undefined))
    throw new UsageError(
      `--follow and --attempt need a TASK: jobq workflow logs ${id} TASK ${a.follow ? '--follow' : '--attempt N'}`,
    );
  if (a.follow && a.json) throw new UsageError('--follow streams text: drop --json.');
  return { id, attempt, limit };
}

/** `jobq workflow logs WORKFLOW_ID [TASK] [--attempt N] [--follow] [--kql [--since 1h] [--table traces]]` */
export const logsCommand: CommandModule = {
  command: 'logs <id> [task]',
  describe: "Show the stored output of a task's attempts (or of every failed task); --kql for App Insights",
  builder,
  handler: async (raw) => {
    const a = raw as unknown as LogsArgs;
    const { id, attempt, limit } = checkArgs(a);
    if (a.kql) {
      const { kqlQuery, KQL_HINT } = await import('../../client/kql.js');
      const query = kqlQuery({ workflowId: id, task: a.task, since: a.since, table: a.table });
      for (const line of KQL_HINT) process.stderr.write(`${line}\n`);
      process.stdout.write(`${query}\n`);
      return;
    }
    await withContext(a, { quiet: a.json }, async (ctx) => {
      if (a.task !== undefined && a.follow) await follow(ctx, a, id, a.task, attempt);
      else if (a.task !== undefined) await showOne(ctx, a, id, a.task, attempt);
      else await showFailed(ctx, a, id, limit);
    });
  },
};

async function showOne(
  ctx: CliContext,
  a: LogsArgs,
  id: string,
  task: string,
  attempt?: number,
): Promise<void> {
  const { readTaskLog } = await import('../../client/logs.js');
  const { taskLogHeader, taskLogLines } = await import('../render/task-log.js');
  const answer = await readTaskLog(ctx.backend, id, task, { attempt });
  if (a.json) printJson(answer);
  else if (answer.kind === 'missing') ctx.term.note(`jobq: ${answer.message}`);
  else {
    // The header goes to stderr so that `logs ID TASK > file` keeps only the task's own lines.
    for (const h of taskLogHeader(answer, ctx.term.err)) ctx.term.note(h);
    writeLines(taskLogLines(answer, ctx.term.out, { raw: a.raw }));
  }
  if (answer.kind === 'missing') process.exitCode = 1;
}

/** Write lines to stdout in one call. */
function writeLines(lines: string[]): void {
  if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
}

async function showFailed(ctx: CliContext, a: LogsArgs, id: string, limit: number): Promise<void> {
  const { readTaskLog, loadLogRuntime, failedTasks } = await import('../../client/logs.js');
  const { taskLogHeader, taskLogLines } = await import('../render/task-log.js');
  const rt = await loadLogRuntime(ctx.backend, id);
  if (!rt) {
    const answer = await readTaskLog(ctx.backend, id, '', {});
    if (a.json) printJson([answer]);
    else if (answer.kind === 'missing') ctx.term.note(`jobq: ${answer.message}`);
    process.exitCode = 1;
    return;
  }
  const failed = failedTasks(rt);
  if (failed.length === 0) {
    if (a.json) printJson([]);
    else
      ctx.term.note(
        `jobq: workflow ${id} has no failed tasks (it is ${rt.state}); show one task's log with: jobq workflow logs ${id} TASK`,
      );
    return;
  }
  const shown = failed.slice(0, limit);
  const answers = [];
  for (const task of shown) answers.push(await readTaskLog(ctx.backend, id, task, { runtime: rt }));
  if (a.json) return printJson(answers);
  const c = ctx.term.out;
  for (const answer of answers) {
    if (answer.kind === 'missing') {
      ctx.term.print(`== ${c.bold(`${id}/${answer.task}`)} · ${colorFailed(c)} ==`);
      ctx.term.print(`   ${answer.message}`);
    } else {
      for (const h of taskLogHeader(answer, c)) ctx.term.print(h);
      writeLines(taskLogLines(answer, c, { raw: a.raw }));
    }
    ctx.term.print('');
  }
  if (failed.length > shown.length)
    ctx.term.note(
      `jobq: ${failed.length - shown.length} more failed task(s) not shown; raise --limit, or name one: jobq workflow logs ${id} TASK`,
    );
}

function colorFailed(c: CliContext['term']['out']): string {
  return `task ${c.bold(c.red('failed'))}`;
}

async function follow(
  ctx: CliContext,
  a: LogsArgs,
  id: string,
  task: string,
  attempt?: number,
): Promise<void> {
  const { followTaskLog } = await import('../../client/logs.js');
  const { taskLogHeader, taskLogLine, unseenLinesMarker } = await import('../render/task-log.js');
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let headerShown = false;
  try {
    for await (const e of followTaskLog(ctx.backend, id, task, { attempt, signal: stop.signal })) {
      if (e.kind === 'waiting') {
        ctx.term.note(`jobq: ${e.answer.message}; waiting for it…`);
        continue;
      }
      if (e.answer.kind === 'missing') {
        ctx.term.note(`jobq: ${e.answer.message}`);
        process.exitCode = 1;
        continue;
      }
      // The header (stderr) once at the start, and again at the end with how the attempt ended.
      if (!headerShown || e.kind === 'end')
        for (const h of taskLogHeader(e.answer, ctx.term.err)) ctx.term.note(h);
      headerShown = true;
      if (e.kind === 'lines') {
        const c = ctx.term.out;
        const out = e.dropped > 0 && !a.raw ? [unseenLinesMarker(e.dropped, c)] : [];
        for (const l of e.lines) out.push(taskLogLine(l, c, { raw: a.raw }));
        writeLines(out);
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
