/**
 * The chaos mixed load: workflow definitions whose final states are deterministic (fan-out/fan-in,
 * `any` joins, conditions, retries via a first-execution failure, permanent failures, one cancel).
 * Every task appends one line to an effects file when it finishes, so duplicate executions can be
 * counted from side effects.
 */

export interface ChaosTask {
  name: string;
  depends_on?: string[];
  dep_policy?: 'all' | 'any' | 'all_settled';
  condition?: string;
  num_retries?: number;
  kwargs: { cmd: string };
}

export interface ChaosWorkflow {
  name: string;
  default_queue: string;
  tasks: ChaosTask[];
}

export interface LoadDirs {
  /** File every finished task appends `<workflow name> <task>` to. */
  effectsFile: string;
  /** Directory of first-execution markers (one per task that fails once). */
  markerDir: string;
  /** Created at clean-up; blocking tasks exit when they see it. */
  stopFile: string;
  /** Task queue of this run (one per prefix, so runs never share task messages). */
  queue: string;
}

const KINDS = ['fanout', 'anyjoin', 'condition', 'retry', 'failing'] as const;
export type LoadKind = (typeof KINDS)[number] | 'cancel';

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A task command: sleep (so kills land mid-task), optional extra script, then record the effect. */
function cmd(dirs: LoadDirs, wf: string, task: string, sleepS: number, extra = ''): string {
  return `sleep ${sleepS}; ${extra}echo ${q(`${wf} ${task}`)} >> ${q(dirs.effectsFile)}`;
}

function fanout(wf: string, d: LoadDirs, s: number, width: number): ChaosTask[] {
  const leaves = Array.from({ length: width }, (_, i) => `leaf-${i}`);
  return [
    { name: 'root', kwargs: { cmd: cmd(d, wf, 'root', s) } },
    ...leaves.map((l) => ({ name: l, depends_on: ['root'], kwargs: { cmd: cmd(d, wf, l, s) } })),
    { name: 'sink', depends_on: leaves, kwargs: { cmd: cmd(d, wf, 'sink', s) } },
  ];
}

function anyJoin(wf: string, d: LoadDirs, s: number): ChaosTask[] {
  return [
    { name: 'root', kwargs: { cmd: cmd(d, wf, 'root', s) } },
    { name: 'broken', depends_on: ['root'], kwargs: { cmd: `${cmd(d, wf, 'broken', s)}; exit 3` } },
    { name: 'ok', depends_on: ['root'], kwargs: { cmd: cmd(d, wf, 'ok', s) } },
    { name: 'join', depends_on: ['broken', 'ok'], dep_policy: 'any', kwargs: { cmd: cmd(d, wf, 'join', s) } },
    { name: 'tail', depends_on: ['join'], kwargs: { cmd: cmd(d, wf, 'tail', s) } },
  ];
}

function condition(wf: string, d: LoadDirs, s: number): ChaosTask[] {
  const out = `echo '{"score": 7, "label": "big"}' > "$JOBQ_OUTPUT_FILE"; `;
  return [
    { name: 'score', kwargs: { cmd: cmd(d, wf, 'score', s, out) } },
    {
      name: 'high',
      depends_on: ['score'],
      condition: 'inputs.score.score > 5',
      kwargs: { cmd: cmd(d, wf, 'high', s) },
    },
    {
      name: 'low',
      depends_on: ['score'],
      condition: 'inputs.score.score <= 5',
      kwargs: { cmd: cmd(d, wf, 'low', s) },
    },
    { name: 'after-low', depends_on: ['low'], kwargs: { cmd: cmd(d, wf, 'after-low', s) } },
    {
      name: 'labelled',
      depends_on: ['score'],
      condition: 'inputs.score.label == "big"',
      kwargs: { cmd: cmd(d, wf, 'labelled', s) },
    },
    {
      name: 'report',
      depends_on: ['high', 'after-low', 'labelled'],
      kwargs: { cmd: cmd(d, wf, 'report', s) },
    },
  ];
}

function retry(wf: string, d: LoadDirs, s: number): ChaosTask[] {
  // Fails on its first execution only (a marker file, so attempt numbering cannot change the outcome).
  const marker = `${d.markerDir}/${wf}.flaky`;
  const failOnce = `if [ ! -e ${q(marker)} ]; then touch ${q(marker)}; exit 1; fi; `;
  return [
    { name: 'root', kwargs: { cmd: cmd(d, wf, 'root', s) } },
    {
      name: 'flaky',
      depends_on: ['root'],
      num_retries: 2,
      kwargs: { cmd: `sleep ${s}; ${failOnce}echo ${q(`${wf} flaky`)} >> ${q(d.effectsFile)}` },
    },
    { name: 'sink', depends_on: ['flaky'], kwargs: { cmd: cmd(d, wf, 'sink', s) } },
  ];
}

function failing(wf: string, d: LoadDirs, s: number): ChaosTask[] {
  return [
    { name: 'root', kwargs: { cmd: cmd(d, wf, 'root', s) } },
    {
      name: 'doomed',
      depends_on: ['root'],
      num_retries: 1,
      kwargs: { cmd: `${cmd(d, wf, 'doomed', s)}; exit 7` },
    },
    { name: 'never', depends_on: ['doomed'], kwargs: { cmd: cmd(d, wf, 'never', s) } },
    {
      name: 'settled',
      depends_on: ['doomed', 'root'],
      dep_policy: 'all_settled',
      kwargs: { cmd: cmd(d, wf, 'settled', s) },
    },
  ];
}

function cancelled(wf: string, d: LoadDirs): ChaosTask[] {
  // Runs until the workflow is cancelled (or the harness cleans up), so the cancel lands while it runs.
  const block = `for i in $(seq 1200); do [ -e ${q(d.stopFile)} ] && exit 0; sleep 0.1; done`;
  return [
    { name: 'block', kwargs: { cmd: block } },
    { name: 'after', depends_on: ['block'], kwargs: { cmd: cmd(d, wf, 'after', 0.1) } },
  ];
}

/** The definition of workflow `index` of the load (kinds cycle; `cancel` only when asked). */
export function chaosWorkflow(
  index: number,
  dirs: LoadDirs,
  opts: { taskSleepS: number; kind?: LoadKind; wave?: number },
): ChaosWorkflow {
  const kind = opts.kind ?? KINDS[index % KINDS.length];
  const name = `chaos-w${opts.wave ?? 0}-${String(index).padStart(3, '0')}-${kind}`;
  const s = opts.taskSleepS;
  const tasks =
    kind === 'fanout'
      ? fanout(name, dirs, s, 4 + (index % 5))
      : kind === 'anyjoin'
        ? anyJoin(name, dirs, s)
        : kind === 'condition'
          ? condition(name, dirs, s)
          : kind === 'retry'
            ? retry(name, dirs, s)
            : kind === 'failing'
              ? failing(name, dirs, s)
              : cancelled(name, dirs);
  return { name, default_queue: dirs.queue, tasks };
}

/** Rewrites a definition's paths from one run's directories to another's (same DAG, same names). */
export function retargetWorkflow(wf: ChaosWorkflow, from: LoadDirs, to: LoadDirs): ChaosWorkflow {
  let text = JSON.stringify(wf);
  for (const key of ['effectsFile', 'markerDir', 'stopFile'] as const)
    text = text.split(from[key]).join(to[key]);
  return { ...(JSON.parse(text) as ChaosWorkflow), default_queue: to.queue };
}
