/**
 * Command registry: one file per subcommand, loaded only when that command runs.
 *
 * START-UP RULE (issue 16) — every `jobq` process must start at once; `jobq task …` runs inside every
 * task, so a 30,000-task workflow pays its start-up 30,000 times:
 *
 * 1. This file and `src/cli/main.ts` import no command module. Each command is a row below
 *    (`command` and `describe` exactly as in its module, `load` a dynamic `import()` of it); yargs
 *    loads the module only when its command is chosen (`jobq --help` loads none of them).
 * 2. A command module's top-level imports stay light: yargs types, small local modules (errors, model
 *    names, knobs, `../context.js` helpers). Anything heavy is `await import()`ed inside the handler:
 *    Azure SDKs and `adapters/azure/*`, the coordinator, worker and client, azurite, prom-client,
 *    cli-table3, log-update, web/layout libraries.
 * 3. `test/e2e/startup-lazy-loading.test.ts` fails when a light path (`--help`, `task output set`,
 *    `workflow validate`, any command's `--help`, a storage-queue coordinator) loads a heavy module, and
 *    when a row here disagrees with its module. Add your command to both; keep its imports light.
 */
import type { Argv, CommandModule } from 'yargs';

/**
 * A command module of any argument shape: each module types its own handler's argv, which yargs
 * guarantees through that module's builder, so the registry cannot name one shape for all.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommandModule = CommandModule<any, any>;

/** One registry row: what `--help` lists without loading the module, and how to load it. */
export interface LazyCommand {
  /** The yargs command string, exactly as the module's `command`. */
  command: string;
  /** One-line description, exactly as the module's `describe`. */
  describe: string;
  /** Load the command module (a dynamic import, so nothing is loaded before the command is chosen). */
  load: () => Promise<AnyCommandModule>;
}

/** `jobq workflow <sub>` commands, in `--help` order. */
export const WORKFLOW_COMMANDS: readonly LazyCommand[] = [
  {
    command: 'submit [files..]',
    describe:
      'Submit workflow definitions (files, a directory, or - to read paths from stdin); prints the IDs',
    load: async () => (await import('./workflow-submit.js')).submitCommand,
  },
  {
    command: 'validate <files..>',
    describe: 'Check workflow definition files without touching storage (exit 1 if any is invalid)',
    load: async () => (await import('./workflow-validate.js')).validateCommand,
  },
  {
    command: 'status <id>',
    describe: 'Show the status of a workflow (read from its state blob, always current)',
    load: async () => (await import('./workflow-status.js')).statusCommand,
  },
  {
    command: 'watch <id>',
    describe: 'Watch a workflow live until it ends (exit 0 completed, 1 failed, 3 cancelled, 4 detached)',
    load: async () => (await import('./workflow-watch.js')).watchCommand,
  },
  {
    command: 'list',
    describe: 'List workflows (index-backed; counters of running workflows may lag)',
    load: async () => (await import('./workflow-list.js')).listCommand,
  },
  {
    command: 'tasks [ids..]',
    describe: 'List tasks of workflows (all workflows when no ID is given: slow on big prefixes)',
    load: async () => (await import('./workflow-tasks.js')).tasksCommand,
  },
  {
    command: 'summary',
    describe: 'Counts of workflows per state and of their tasks (index-backed)',
    load: async () => (await import('./workflow-summary.js')).summaryCommand,
  },
  {
    command: 'cancel <id>',
    describe: 'Request cancellation: pending tasks are cancelled, running tasks are stopped by their workers',
    load: async () => (await import('./workflow-cancel.js')).cancelCommand,
  },
  {
    command: 'retry <id>',
    describe: 'Reset failed, upstream-failed and cancelled tasks to run again (clears a cancel request)',
    load: async () => (await import('./workflow-retry.js')).retryCommand,
  },
  {
    command: 'purge',
    describe: 'Delete workflows (terminal ones unless --all), orphan blobs, and optionally drain queues',
    load: async () => (await import('./workflow-purge.js')).purgeCommand,
  },
  {
    command: 'cache <action> [key]',
    describe: 'Memoized task results (cache: tasks): list, show KEY, purge [--older-than D | KEY | --all]',
    load: async () => (await import('./workflow-cache.js')).cacheCommand,
  },
  {
    command: 'doctor',
    describe:
      'Check configuration, storage, coordinator lease, queues and stuck work (exit 1 on any failure)',
    load: async () => (await import('./workflow-doctor.js')).doctorCommand,
  },
  {
    command: 'explain <id>',
    describe: 'Explain what a workflow (or one task) is waiting for, from its stored state',
    load: async () => (await import('./workflow-explain.js')).explainCommand,
  },
  {
    command: 'logs <id> [task]',
    describe: "Show the stored output of a task's attempts (or of every failed task); --kql for App Insights",
    load: async () => (await import('./workflow-logs.js')).logsCommand,
  },
  {
    command: 'break-lease',
    describe: "Break the coordinator's lease on this prefix so another coordinator can start at once",
    load: async () => (await import('./workflow-break-lease.js')).breakLeaseCommand,
  },
  {
    command: 'config',
    describe: 'Create a jobq.yaml, or show the resolved configuration and where each value came from',
    load: async () => (await import('./workflow-config.js')).configCommand,
  },
  {
    command: 'coordinator',
    describe: 'Run the coordinator daemon for a prefix (one per prefix; holds the prefix lease)',
    load: async () => (await import('./workflow-coordinator.js')).coordinatorCommand,
  },
  {
    command: 'run-local [files..]',
    describe:
      'Run workflows locally: embedded Azurite (or memory), coordinator and workers in one process; exit 0 iff all completed',
    load: async () => (await import('./workflow-run-local.js')).runLocalCommand,
  },
  {
    command: 'track',
    describe: 'Serve a live web dashboard of the workflows (DAGs, task details; read-only by default)',
    load: async () => (await import('./workflow-track.js')).trackCommand,
  },
];

/** Top-level commands besides `workflow`, in `--help` order. */
export const TOP_LEVEL_COMMANDS: readonly LazyCommand[] = [
  {
    command: 'worker <queue>',
    describe: 'Run a workflow worker on QUEUE: runs each task command and publishes its completion',
    load: async () => (await import('./worker.js')).workerCommand,
  },
  {
    command: 'task',
    describe: 'Helpers for commands running inside a workflow task (outputs, inputs, cancellation)',
    load: async () => (await import('./task.js')).taskCommand,
  },
  {
    command: 'azurite',
    describe: 'Run the embedded Azure Storage emulator (Azurite) on 10000/10001/10002 in the foreground',
    load: async () => (await import('./azurite.js')).azuriteCommand,
  },
];

/** First word of each workflow subcommand (used to detect the optional ACCOUNT/PREFIX positional). */
export const WORKFLOW_SUBCOMMANDS: string[] = WORKFLOW_COMMANDS.map((c) => c.command.split(' ')[0]);

/**
 * The yargs module of a row: its builder loads the real module (yargs awaits an async builder, and
 * calls it only for the chosen command) and keeps it for the handler.
 */
export function lazyCommandModule(row: LazyCommand): CommandModule {
  let loaded: AnyCommandModule | undefined;
  return {
    command: row.command,
    describe: row.describe,
    builder: async (y: Argv) => {
      loaded = await row.load();
      const b = loaded.builder;
      if (typeof b === 'function') return (await b(y)) as Argv;
      return b ? y.options(b) : y;
    },
    handler: async (argv) => {
      loaded ??= await row.load();
      await loaded.handler(argv);
    },
  };
}

export function registerWorkflowCommands(y: Argv): Argv {
  for (const c of WORKFLOW_COMMANDS) y = y.command(lazyCommandModule(c));
  return y;
}

export function registerTopLevelCommands(y: Argv): Argv {
  for (const c of TOP_LEVEL_COMMANDS) y = y.command(lazyCommandModule(c));
  return y;
}
