import type { CommandModule } from 'yargs';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LocalBackendKind, LocalRunner } from '../../client/local-runner.js';
import type { WorkflowStatus } from '../../client/types.js';
import { isTerminalWorkflowState } from '../../engine/states.js';
import { UsageError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { positiveInt, printJson, terminal, type GlobalArgs, type Terminal } from '../context.js';
import { expandDefinitionPaths, loadDefinitions, type LoadedDefinition } from '../definitions.js';
import { liveSink, watchLoop, type LiveSink } from '../render/live.js';
import { plainAggregateLine, renderAggregate } from '../render/multi-view.js';
import { rateAndEta } from '../render/format.js';
import { plural } from '../render/format.js';
import type { FailedTaskReport } from '../run-local-failures.js';
import { compileLongRunningCodeEagerly } from '../v8-tiering.js';

interface RunLocalArgs extends GlobalArgs {
  files?: string[];
  workers: number;
  concurrency: number;
  backend: string;
  json?: boolean;
  interval: number;
}

/** Log file under ./.jobq/ so the embedded coordinator and workers never write over the live view. */
function openLogFile(): { path: string; fd: number } {
  const dir = join(process.cwd(), '.jobq');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `run-local-${stamp}.log`);
  return { path, fd: openSync(path, 'a') };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
  });

async function watchMany(
  runner: LocalRunner,
  ids: string[],
  t: Terminal,
  sink: LiveSink,
  intervalS: number,
  signal: AbortSignal,
): Promise<WorkflowStatus[]> {
  const started = performance.now();
  let statuses = await Promise.all(ids.map((id) => runner.client.status(id, { includeTasks: false })));
  const completedAtStart = statuses.reduce((s, x) => s + x.completed, 0);
  for (;;) {
    const elapsed = (performance.now() - started) / 1000;
    const completed = statuses.reduce((s, x) => s + x.completed, 0);
    const remaining = statuses.reduce((s, x) => s + x.pending + x.running, 0);
    const { rate, etaS } = rateAndEta(completedAtStart, completed, elapsed, remaining);
    sink.frame(
      renderAggregate(statuses, t.out, elapsed, elapsed > 0 ? rate : null, etaS),
      plainAggregateLine(statuses),
    );
    if (statuses.every((s) => isTerminalWorkflowState(s.status)) || signal.aborted) return statuses;
    await sleep(intervalS * 1000, signal);
    const next = await Promise.allSettled(
      statuses.map((s) =>
        isTerminalWorkflowState(s.status)
          ? Promise.resolve(s)
          : runner.client.status(s.workflow_id, { includeTasks: false }),
      ),
    );
    statuses = next.map((r, i) => (r.status === 'fulfilled' ? r.value : statuses[i]));
  }
}

function finalReport(
  t: Terminal,
  statuses: WorkflowStatus[],
  elapsedS: number,
  logPath: string,
  failures: string[],
): void {
  const c = t.out;
  for (const s of statuses) {
    const paint = s.status === 'completed' ? c.green : s.status === 'failed' ? c.red : c.yellow;
    t.print(
      `${paint(s.status.padEnd(9))} ${s.workflow_id}  ${s.name}  (${s.completed}/${s.total} completed${s.failed ? `, ${s.failed} failed` : ''}${s.skipped ? `, ${s.skipped} skipped` : ''})${s.error ? `  ${c.red(s.error)}` : ''}`,
    );
  }
  for (const line of failures) t.print(line.startsWith('  ✖') ? c.red(line) : line);
  const ok = statuses.filter((s) => s.status === 'completed').length;
  t.note(`${ok}/${statuses.length} workflow(s) completed in ${elapsedS.toFixed(1)}s. Logs: ${logPath}`);
}

interface RunOptions {
  backend: LocalBackendKind;
  workers: number;
  concurrency: number;
}

/** Validate flag values before anything starts (exit 2). */
function checkArgs(a: RunLocalArgs): RunOptions {
  const workers = positiveInt(a.workers, '--workers');
  const concurrency = positiveInt(a.concurrency, '--concurrency');
  if (a.backend !== 'azurite' && a.backend !== 'memory') {
    throw new UsageError(`--backend must be azurite or memory, got '${a.backend}'.`);
  }
  if (!(a.interval > 0)) throw new UsageError(`--interval must be a positive number, got '${a.interval}'.`);
  if (!a.files?.length) throw new UsageError('Name the definition files (or a directory) to run.');
  return { backend: a.backend, workers, concurrency };
}

interface SessionOptions extends RunOptions {
  json: boolean;
  interval: number;
  t: Terminal;
  logPath: string;
  signal: AbortSignal;
}

/** Submit, start workers on every queue used, and watch until every workflow ends (or Ctrl-C). */
async function runSession(
  runner: LocalRunner,
  defs: LoadedDefinition[],
  o: SessionOptions,
): Promise<WorkflowStatus[]> {
  const { queuesOf } = await import('../../client/local-runner.js');
  const { t } = o;
  const prepared = defs.map((d) => ({ source: d.source, prepared: runner.client.prepare(d.def) }));
  const queues = queuesOf(prepared.map((p) => p.prepared.def));
  if (!o.json) {
    const who = `${plural(o.workers, 'worker')} × ${o.concurrency} on ${queues.join(', ')}`;
    t.note(t.err.dim(`▶ run-local: ${runner.description}; coordinator; ${who}. Logs: ${o.logPath}`));
  }
  await runner.startWorkers(queues);
  const results = await runner.client.submitBatch(prepared, { concurrency: 20 });
  const failed = results.find((r) => r.error);
  if (failed) throw new UsageError(`${failed.source}: ${failed.error}`);
  for (const p of prepared) {
    if (p.prepared.autoFanIn === null || o.json) continue;
    t.note(
      `"${p.prepared.def.name}": fan-in rewritten with merge nodes at --max-fan-in ${p.prepared.autoFanIn}.`,
    );
  }
  const ids = results.map((r) => r.workflow_id);
  const sink: LiveSink = o.json
    ? { frame: () => undefined, done: () => undefined }
    : await liveSink(process.stdout);
  let statuses: WorkflowStatus[];
  if (ids.length === 1) {
    const maxTaskRows = t.stdoutTTY ? Math.max(5, (process.stdout.rows || 40) - 25) : undefined;
    const view = {
      colors: t.out,
      colour: t.outColor,
      byLayer: true,
      tasks: true,
      verbose: false,
      maxTaskRows,
    };
    statuses = [
      await watchLoop(() => runner.client.status(ids[0]), {
        ...view,
        intervalS: o.interval,
        sink,
        signal: o.signal,
      }),
    ];
  } else statuses = await watchMany(runner, ids, t, sink, o.interval, o.signal);
  sink.done('');
  return statuses;
}

/** `jobq workflow run-local`: coordinator + workers + submit + live view in one process; exit 0 iff all completed. */
export const runLocalCommand: CommandModule = {
  command: 'run-local [files..]',
  describe:
    'Run workflows locally: embedded Azurite (or memory), coordinator and workers in one process; exit 0 iff all completed',
  builder: (y) =>
    y
      .positional('files', {
        type: 'string',
        array: true,
        describe: 'Definition files or a directory of them',
      })
      .option('workers', { type: 'number', default: 4, describe: 'Workers per queue' })
      .option('concurrency', { type: 'number', default: 1, describe: 'Tasks each worker runs at once' })
      .option('backend', {
        type: 'string',
        default: 'azurite',
        choices: ['azurite', 'memory'],
        describe: 'In-memory Azurite on free ports, or in-process memory adapters',
      })
      .option('interval', { type: 'number', default: 0.25, describe: 'Seconds between view refreshes' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'No live view; print the final statuses as JSON',
      })
      .example('$0 workflow run-local examples/ml-pipeline.yaml', ''),
  handler: async (raw) => {
    const a = raw as unknown as RunLocalArgs;
    const opts = checkArgs(a);
    const defs = await loadDefinitions(await expandDefinitionPaths(a.files ?? []));
    const t = terminal(a);
    const log = openLogFile();
    const logPath = relative(process.cwd(), log.path) || log.path;
    const logger = createLogger({ level: a['log-level'] ?? 'info', fd: log.fd });
    const started = performance.now();
    compileLongRunningCodeEagerly();
    // Imported here so other commands never load the coordinator and worker.
    const { LocalRunner } = await import('../../client/local-runner.js');
    // Semaphore limits come from jobq.yaml / env, as for submit and the coordinator (read only when used).
    const semaphores = defs.some((d) => d.def.tasks.some((t) => t.semaphore !== undefined))
      ? (await import('../../config/resolve.js')).resolveConfig({ flags: { config: a.config } }).semaphores
          .limits
      : undefined;
    const runner = await LocalRunner.start({ ...opts, logger, semaphores });
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    let statuses: WorkflowStatus[];
    let failed: { reports: FailedTaskReport[]; more: number };
    try {
      statuses = await runSession(runner, defs, {
        ...opts,
        json: Boolean(a.json),
        interval: a.interval,
        t,
        logPath,
        signal: abort.signal,
      });
      // The storage stops with the runner: keep the failed tasks' logs in files first.
      const { saveFailedTaskLogs } = await import('../run-local-failures.js');
      failed = await saveFailedTaskLogs(runner, statuses, log.path.replace(/\.log$/, '-task-logs'));
    } finally {
      process.off('SIGINT', onSigint);
      await runner.stop();
      logger.flush?.();
      closeSync(log.fd);
    }
    const elapsedS = (performance.now() - started) / 1000;
    if (a.json) {
      const workflows = statuses.map(({ tasks: _t, ...s }) => s);
      printJson({
        workflows,
        elapsed_s: Math.round(elapsedS * 10) / 10,
        log_file: logPath,
        backend: a.backend,
        failed_tasks: failed.reports.map((f) => ({
          workflow_id: f.workflowId,
          task: f.task,
          attempt: f.attempt,
          error: f.error,
          log_file: f.logFile,
          missing: f.missing,
        })),
      });
    } else {
      const { failedTaskLines } = await import('../run-local-failures.js');
      finalReport(t, statuses, elapsedS, logPath, failedTaskLines(failed));
    }
    if (abort.signal.aborted) process.exitCode = 130;
    else if (!statuses.every((s) => s.status === 'completed')) process.exitCode = 1;
  },
};
