import type { CommandModule } from 'yargs';
import type { PreparedSubmission } from '../../client/submit.js';
import type { BatchItemResult, SubmitOptions } from '../../client/types.js';
import type { RootDispatchPlan } from '../../client/root-dispatch.js';
import { isTerminalWorkflowState } from '../../engine/states.js';
import { UsageError, isJobqError } from '../../errors.js';
import { checkWorkflowId, positiveInt, withContext, type CliContext, type GlobalArgs } from '../context.js';
import { expandDefinitionPaths, loadDefinitions, type LoadedDefinition } from '../definitions.js';
import { formatElapsed, listWithMore, plural } from '../render/format.js';
import { fractionBar } from '../render/progress.js';
import { liveSink, watchExitCode, watchLoop } from '../render/live.js';

interface SubmitArgs extends GlobalArgs {
  files?: string[];
  id?: string;
  concurrency: number;
  'max-fan-in'?: number;
  wait?: boolean;
  'idempotency-key'?: string;
  cache?: boolean;
  'dispatch-roots'?: boolean;
}

function rootsText(roots: string[]): string {
  return `${plural(roots.length, 'root')}: ${listWithMore(roots, 3)}`;
}

function fanInNote(ctx: CliContext, name: string, n: number | null): void {
  if (n !== null)
    ctx.term.note(
      ctx.term.err.yellow(
        `"${name}": fan-in too wide for one queue message — rewritten with merge nodes at --max-fan-in ${n}.`,
      ),
    );
}

/**
 * The plan for the roots (DECISIONS §4.16): `--dispatch-roots` forces submit to push them (no HEAD),
 * `--no-dispatch-roots` never does but still looks, so it can say what the user should expect.
 */
async function rootPlan(ctx: CliContext, flag: boolean | undefined): Promise<RootDispatchPlan> {
  if (flag === true) return ctx.client.planRootDispatch('always');
  const seen = await ctx.client.planRootDispatch('auto');
  return flag === false ? { ...seen, bySubmit: false, mode: 'never' } : seen;
}

/** One line when the roots are not left to a jobq coordinator's `activate`. */
function rootPlanNote(ctx: CliContext, plan: RootDispatchPlan): void {
  const t = ctx.term;
  if (plan.mode === 'always') t.note('--dispatch-roots: submit dispatched the roots itself.');
  else if (plan.coordinator === 'other' && plan.bySubmit)
    t.note(
      `The coordinator holding the lease of ${ctx.label} is not jobq: submit dispatched the roots itself, as the reference client does.`,
    );
  else if (plan.coordinator === 'other')
    t.note(
      t.err.yellow(
        `--no-dispatch-roots: the coordinator holding the lease of ${ctx.label} is not jobq and ignores the activate message; the roots start only when its ready-repair sweep finds the workflow (about 5–6 minutes).`,
      ),
    );
}

async function submitOne(ctx: CliContext, p: PreparedSubmission, plan: RootDispatchPlan): Promise<string> {
  const r = await ctx.client.submitPrepared(p, { dispatchRoots: plan });
  if (r.alreadySubmitted) {
    ctx.term.note(
      `Workflow "${r.name}" already submitted with idempotency key ${JSON.stringify(p.idempotencyKey)} → ${r.workflowId}`,
    );
    ctx.term.print(r.workflowId);
    return r.workflowId;
  }
  fanInNote(ctx, r.name, r.autoFanIn);
  ctx.term.note(
    `Submitted "${r.name}" (${plural(r.taskCount, 'task')}, ${rootsText(r.roots)}) to ${ctx.label} → ${r.workflowId}`,
  );
  ctx.term.print(r.workflowId);
  rootPlanNote(ctx, plan);
  return r.workflowId;
}

async function submitMany(
  ctx: CliContext,
  items: { source: string; prepared: PreparedSubmission }[],
  concurrency: number,
  plan: RootDispatchPlan,
): Promise<BatchItemResult[]> {
  const t = ctx.term;
  const bar = t.stderrTTY ? (await import('log-update')).createLogUpdate(process.stderr) : null;
  const started = performance.now();
  let done = 0;
  let tasks = 0;
  let errors = 0;
  const draw = () => {
    const elapsed = (performance.now() - started) / 1000;
    const left = done > 0 ? ((items.length - done) * elapsed) / done : null;
    bar?.(
      `${fractionBar(done / items.length, 30, t.err)} ${done}/${items.length}  ${formatElapsed(elapsed)}${left !== null ? ` (~${formatElapsed(left)} left)` : ''}  ${tasks} tasks${errors ? t.err.red(`, ${errors} err`) : ''}`,
    );
  };
  draw();
  const results = await ctx.client.submitBatch(items, {
    concurrency,
    dispatchRoots: plan,
    onResult: (r) => {
      done++;
      tasks += r.task_count;
      if (r.error) {
        errors++;
        bar?.clear();
        t.note(t.err.red(`FAIL  ${r.source}: ${r.error}`));
      } else if (r.already_submitted) {
        bar?.clear();
        t.note(`${r.source}: already submitted (idempotency key) → ${r.workflow_id}`);
      }
      bar?.clear();
      t.print(r.workflow_id);
      draw();
    },
  });
  bar?.clear();
  for (const it of items) fanInNote(ctx, it.prepared.def.name, it.prepared.autoFanIn);
  t.note(`Submitted ${results.length - errors}/${results.length} workflows (${tasks} tasks)`);
  rootPlanNote(ctx, plan);
  return results;
}

async function waitAll(ctx: CliContext, ids: string[]): Promise<number> {
  const t = ctx.term;
  if (ids.length === 1) {
    const final = await watchLoop(() => ctx.client.status(ids[0]), {
      intervalS: 1,
      colors: t.err,
      colour: t.errColor,
      byLayer: true,
      tasks: false,
      verbose: false,
      sink: await liveSink(process.stderr),
    });
    t.note(`Workflow ${ids[0]} reached terminal state: ${final.status}.`);
    return final.status === 'completed' ? 0 : 1;
  }
  const pending = new Set(ids);
  let failed = 0;
  for (;;) {
    for (const id of [...pending]) {
      const st = await ctx.client.status(id, { includeTasks: false });
      if (!isTerminalWorkflowState(st.status)) continue;
      pending.delete(id);
      if (watchExitCode(st.status) !== 0) failed++;
      t.note(`Workflow ${id} reached terminal state: ${st.status}.`);
    }
    if (pending.size === 0) return failed ? 1 : 0;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

interface PreparedItem {
  source: string;
  prepared: PreparedSubmission;
}

/** Validate and transform every definition (no storage access); a definition error names its file. */
function prepareAll(ctx: CliContext, defs: LoadedDefinition[], opts: SubmitOptions): PreparedItem[] {
  return defs.map((d) => {
    try {
      return { source: d.source, prepared: ctx.client.prepare(d.def, opts) };
    } catch (err) {
      const aboutFile = isJobqError(err, 'DefinitionError') || isJobqError(err, 'MessageTooLargeError');
      if (aboutFile && !err.message.startsWith(`${d.source}: `)) err.message = `${d.source}: ${err.message}`;
      throw err;
    }
  });
}

/** `jobq workflow submit`: validate every definition, then submit (the coordinator dispatches). */
export const submitCommand: CommandModule = {
  command: 'submit [files..]',
  describe: 'Submit workflow definitions (files, a directory, or - to read paths from stdin); prints the IDs',
  builder: (y) =>
    y
      .positional('files', {
        type: 'string',
        array: true,
        describe: 'Definition files (.yaml/.yml/.json), a directory of them, or -',
      })
      .option('id', { type: 'string', describe: 'Workflow ID (single file only; default: generated)' })
      .option('concurrency', { type: 'number', default: 20, describe: 'Parallel submissions for many files' })
      .option('max-fan-in', {
        type: 'number',
        describe:
          'Split tasks with more parents into merge nodes (default: only when a message would not fit; 0 = never)',
      })
      .option('idempotency-key', {
        type: 'string',
        describe:
          'Derive the workflow ID from KEY: a repeated submit with the same definition prints the existing ID (exit 0); a different definition exits 2',
      })
      .option('cache', {
        type: 'boolean',
        default: true,
        describe:
          'Serve cache: tasks from earlier results (--no-cache runs every task; results are still recorded)',
      })
      .option('wait', {
        type: 'boolean',
        default: false,
        describe: 'Wait until the workflow(s) end; exit 0 if all completed, else 1',
      })
      .option('dispatch-roots', {
        type: 'boolean',
        describe:
          'Push the root tasks from submit, as the reference client does (default: only when the prefix is run by a coordinator that is not jobq; --no-dispatch-roots: never, leave them to the coordinator)',
      })
      .example('$0 workflow submit pipeline.yaml', 'prints the new workflow ID')
      .example('$0 workflow submit runs/ --wait', 'submit every definition in runs/ and wait')
      .example(
        '$0 workflow submit nightly.yaml --idempotency-key nightly-2026-12-01',
        'safe to retry: one workflow per key',
      ),
  handler: async (raw) => {
    const a = raw as unknown as SubmitArgs;
    const concurrency = positiveInt(a.concurrency, '--concurrency');
    const maxFanIn =
      a['max-fan-in'] === undefined
        ? undefined
        : positiveInt(a['max-fan-in'], '--max-fan-in', { allowZero: true });
    if (maxFanIn === 1)
      throw new UsageError('--max-fan-in must be at least 2 (or 0 to turn the rewrite off).');
    const id = a.id === undefined ? undefined : checkWorkflowId(a.id);
    const paths = await expandDefinitionPaths(a.files ?? []);
    if (id !== undefined && paths.length > 1)
      throw new UsageError('--id cannot be used with multiple files.');
    const idempotencyKey = a['idempotency-key'];
    if (idempotencyKey !== undefined && paths.length > 1)
      throw new UsageError(
        '--idempotency-key cannot be used with multiple files (set idempotency_key in each file).',
      );
    if (idempotencyKey !== undefined && id !== undefined)
      throw new UsageError(
        '--id cannot be combined with --idempotency-key (the ID is derived from the key).',
      );
    const defs = await loadDefinitions(paths);
    let items: PreparedItem[] = [];
    // Every definition is validated and transformed before storage is contacted (reference §7.4).
    const beforeConnect = (ctx: CliContext) => {
      items = prepareAll(ctx, defs, {
        workflowId: id,
        maxFanIn,
        idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
        noCache: a.cache === false,
      });
    };
    const code = await withContext(a, { beforeConnect }, async (ctx) => {
      let ids: string[];
      const plan = await rootPlan(ctx, a['dispatch-roots']);
      if (items.length === 1) ids = [await submitOne(ctx, items[0].prepared, plan)];
      else {
        const results = await submitMany(ctx, items, concurrency, plan);
        ids = results.filter((r) => !r.error).map((r) => r.workflow_id);
        if (ids.length < results.length && !a.wait) return 1;
      }
      return a.wait ? waitAll(ctx, ids) : 0;
    });
    if (code !== 0) process.exitCode = code;
  },
};
