/**
 * Property tests over random DAGs (random policies, conditions, retries, max_parallelism, merge nodes)
 * driven by random interleavings of completions, duplicates, stale attempts, failures, timeouts, cancels
 * and retries. Invariants are checked after every step; a copy reloaded from the documents at a random
 * point must replay the rest identically.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VERDICT_SATISFIED, encodePolicy, policyVerdict } from '../../../src/engine/codes.js';
import { WorkflowRuntime, type OutputResolver, type StepResult } from '../../../src/engine/index.js';
import type { DepPolicy, TaskDefinition, WorkflowDefinition } from '../../../src/model/types.js';

const T0 = Date.UTC(2026, 10, 25, 22, 0, 0);
const OUTPUTS = [null, '{"v": 0.2}', '{"v": 0.8}', '{"v": null}', 'not json', 'blob:wf1/x.json'];
const CONDITIONS = ['inputs["P"].v < 0.5', 'inputs["P"] == null', 'any(inputs["*"].v > 0.5)'];

interface TaskGen {
  parents: number[];
  policy: number;
  retries: number;
  cond: number;
  merge: number;
}

const taskArb: fc.Arbitrary<TaskGen> = fc.record({
  parents: fc.array(fc.nat(), { maxLength: 3 }),
  policy: fc.nat(9),
  retries: fc.nat(2),
  cond: fc.nat(7),
  merge: fc.nat(7),
});

function buildDefinition(specs: TaskGen[], maxPar: number, allTasks: boolean): WorkflowDefinition {
  const tasks: TaskDefinition[] = specs.map((s, i) => {
    const parents = i === 0 ? [] : [...new Set(s.parents.map((p) => `t${p % i}`))];
    let policy: DepPolicy = 'all';
    if (parents.length > 0) {
      policy = (['all', 'all', 'any', 'all_settled', 'n'] as const)[s.policy % 5] as DepPolicy;
      if (policy === ('n' as DepPolicy)) policy = 1 + (s.policy % parents.length);
    }
    const condition =
      parents.length > 0 && s.cond < 2
        ? CONDITIONS[s.cond + (s.policy % 2)].replace('P', parents[0])
        : undefined;
    const merge = parents.length > 0 && !condition && s.merge === 0;
    return {
      name: `t${i}`,
      kwargs: merge ? { __batch_merge: true, __target: 'x', __batch: 0 } : { cmd: `run ${i}` },
      depends_on: parents,
      queue: null,
      dep_policy: policy,
      timeout_s: null,
      num_retries: s.retries,
      ...(condition ? { condition } : {}),
    };
  });
  return {
    name: 'prop',
    tasks,
    default_queue: 'q',
    default_task_timeout_s: null,
    max_parallelism: maxPar === 0 ? null : maxPar,
    result_policy: allTasks ? 'all_tasks_succeed' : 'all_sinks_succeed',
  };
}

type Op =
  | {
      kind: 'completion';
      task: string;
      success: boolean;
      outputRef: string | null;
      attemptNo: number | null;
      resolve: boolean;
    }
  | { kind: 'timeout'; task: string }
  | { kind: 'cancel' }
  | { kind: 'retry' }
  | { kind: 'evaluate' }
  | { kind: 'redispatch' };

const resolver: OutputResolver = () => ({ ok: true, value: { v: 0.3 } });

function apply(rt: WorkflowRuntime, op: Op, now: number): StepResult {
  switch (op.kind) {
    case 'completion':
      return rt.applyCompletion(
        {
          task: op.task,
          success: op.success,
          outputRef: op.outputRef,
          error: op.success ? null : 'boom',
          attemptNo: op.attemptNo,
        },
        now,
        op.resolve ? resolver : undefined,
      );
    case 'timeout':
      return rt.applyTimeout(op.task, now, 'task timed out after 1s', resolver);
    case 'cancel':
      return rt.requestCancel(now);
    case 'retry':
      return rt.resetFailed(now, resolver);
    case 'evaluate':
      return rt.evaluatePendingConditions(now, resolver);
    case 'redispatch':
      return rt.redispatchReady(now, resolver);
  }
}

/** Checks every invariant that must hold between steps. */
class Checker {
  private readonly seen = new Map<string, Set<number>>();
  private steps = 0;
  /** Full recount every `fullEvery` steps (every step for small workflows). */
  fullEvery = 1;
  constructor(
    private readonly rt: WorkflowRuntime,
    private readonly def: WorkflowDefinition,
  ) {}

  forgetAttempts(tasks: string[]): void {
    for (const t of tasks) this.seen.delete(t);
  }

  afterStep(r: StepResult): void {
    const rt = this.rt;
    for (const d of r.dispatch) {
      const s = this.seen.get(d.task) ?? new Set<number>();
      expect(s.has(d.attemptNo), `${d.task} dispatched twice at attempt ${d.attemptNo}`).toBe(false);
      s.add(d.attemptNo);
      this.seen.set(d.task, s);
      expect(rt.activated && !rt.cancelRequested).toBe(true);
      expect(rt.isMergeNode(d.task)).toBe(false);
      expect(rt.taskAttempt(d.task)).toBe(d.attemptNo);
      this.expectPolicySatisfied(d.task);
    }
    if (++this.steps % this.fullEvery === 0) this.expectCountersExact();
    const max = this.def.max_parallelism;
    if (max !== null) expect(rt.summary().running).toBeLessThanOrEqual(max);
  }

  private expectPolicySatisfied(task: string): void {
    const rt = this.rt;
    const parents = rt.parents(task);
    const done = parents.filter((p) => ['completed', 'skipped'].includes(rt.taskState(p))).length;
    const failed = parents.filter((p) =>
      ['failed', 'upstream_failed', 'cancelled'].includes(rt.taskState(p)),
    ).length;
    expect(policyVerdict(encodePolicy(rt.depPolicy(task)), parents.length, done, failed)).toBe(
      VERDICT_SATISFIED,
    );
  }

  private expectCountersExact(): void {
    const rt = this.rt;
    const recount: Record<string, number> = {};
    for (const n of rt.taskNames()) {
      const st = rt.taskStatus(n);
      recount[st.status] = (recount[st.status] ?? 0) + 1;
      const ps = st.depends_on.map((p) => rt.taskState(p));
      expect(st.completed_deps).toBe(ps.filter((s) => s === 'completed' || s === 'skipped').length);
      expect(st.failed_deps).toBe(
        ps.filter((s) => s === 'failed' || s === 'upstream_failed' || s === 'cancelled').length,
      );
    }
    for (const [s, c] of Object.entries(rt.stateCounts())) expect(c).toBe(recount[s] ?? 0);
    const active = ['pending', 'ready', 'ready_pending_budget', 'running'].some((s) => (recount[s] ?? 0) > 0);
    expect(rt.isTerminal()).toBe(!active);
  }
}

type Event = { kind: number; pick: number; out: number };
const eventArb = fc.record({ kind: fc.nat(199), pick: fc.nat(), out: fc.nat(OUTPUTS.length - 1) });

/** Turn a random event into an operation, given the messages in flight and the answers sent so far. */
function chooseOp(e: Event, inflight: { task: string; attemptNo: number }[], answered: Op[]): Op | null {
  const k = e.kind;
  if (k < 2) return e.pick % 4 === 0 ? { kind: 'cancel' } : { kind: 'retry' };
  if (k < 6) return { kind: 'evaluate' };
  if (k < 12) return { kind: 'redispatch' };
  if (k < 24 && answered.length > 0) {
    const prev = answered[e.pick % answered.length];
    if (prev.kind !== 'completion') return null;
    // a duplicate delivery, or the same answer from an older attempt
    return k < 18 ? prev : { ...prev, attemptNo: Math.max(1, (prev.attemptNo ?? 1) - 1) };
  }
  if (inflight.length === 0) return null;
  const [msg] = inflight.splice(e.pick % inflight.length, 1);
  if (k < 32) {
    inflight.push(msg); // the worker keeps running; its answer arrives later
    return { kind: 'timeout', task: msg.task };
  }
  const success = k >= 48;
  return {
    kind: 'completion',
    task: msg.task,
    success,
    outputRef: OUTPUTS[e.out],
    attemptNo: msg.attemptNo,
    resolve: e.out % 2 === 0,
  };
}

const STATS: Record<string, number> = {};

function run(def: WorkflowDefinition, events: Event[], snapAt: number): void {
  const rt = WorkflowRuntime.fromDefinition(def, { workflowId: 'wf1', now: T0 });
  const check = new Checker(rt, def);
  check.fullEvery = def.tasks.length > 50 ? 20 : 1;
  const inflight: { task: string; attemptNo: number }[] = [];
  const answered: Op[] = [];
  let replica: WorkflowRuntime | null = null;
  let step = 0;
  const doOp = (op: Op) => {
    step++;
    const now = T0 + step * 1000;
    if (op.kind === 'retry') {
      check.forgetAttempts(
        rt.taskNames().filter((n) => ['failed', 'upstream_failed', 'cancelled'].includes(rt.taskState(n))),
      );
    }
    const r = apply(rt, op, now);
    check.afterStep(r);
    for (const d of r.dispatch) inflight.push({ task: d.task, attemptNo: d.attemptNo });
    if (op.kind === 'completion') answered.push(op);
    if (replica) {
      const r2 = apply(replica, op, now);
      expect(r2.dispatch).toEqual(r.dispatch);
      expect(r2.ignored).toBe(r.ignored);
      expect([...r2.needOutputs].sort()).toEqual([...r.needOutputs].sort());
    }
    if (step === snapAt) {
      replica = WorkflowRuntime.fromDocs(
        JSON.parse(JSON.stringify(rt.toDefinitionDoc())),
        JSON.parse(JSON.stringify(rt.toStateDoc())),
      );
      expect(replica.toStateDoc()).toEqual(rt.toStateDoc());
    }
  };
  const first = rt.activate(T0);
  check.afterStep(first);
  for (const d of first.dispatch) inflight.push({ task: d.task, attemptNo: d.attemptNo });
  for (const e of events) {
    const op = chooseOp(e, inflight, answered);
    if (op) doOp(op);
  }
  // Workers eventually answer (successfully); every workflow must then end.
  for (let guard = 0; !rt.isTerminal(); guard++) {
    expect(guard).toBeLessThan(10 * def.tasks.length + 100);
    const msg = inflight.shift();
    if (msg)
      doOp({
        kind: 'completion',
        task: msg.task,
        success: true,
        outputRef: null,
        attemptNo: msg.attemptNo,
        resolve: true,
      });
    else doOp({ kind: 'evaluate' });
    if (!msg && !rt.isTerminal() && inflight.length === 0) {
      throw new Error(`stuck in ${rt.state}: ${JSON.stringify(rt.stateCounts())}`);
    }
  }
  check.fullEvery = 1;
  check.afterStep(rt.evaluatePendingConditions(T0 + (step + 1) * 1000, resolver));
  STATS[rt.state] = (STATS[rt.state] ?? 0) + 1;
  if (replica) {
    STATS.replayed = (STATS.replayed ?? 0) + 1;
    const rep = replica as WorkflowRuntime;
    expect(rep.state).toBe(rt.state);
    expect(rep.toStateDoc()).toEqual(rt.toStateDoc());
  }
}

describe('random DAGs under random event interleavings', () => {
  // Lower bounds, since fast-check otherwise favours tiny arrays.
  const caseArb = (minTasks: number, maxTasks: number, maxEvents: number) =>
    fc.record({
      specs: fc.array(taskArb, { minLength: minTasks, maxLength: maxTasks }),
      maxPar: fc.nat(4),
      allTasks: fc.boolean(),
      events: fc.array(eventArb, { minLength: maxEvents / 4, maxLength: maxEvents }),
      snapAt: fc.nat(maxEvents / 2),
    });

  it('small workflows: invariants hold, every workflow terminates, reloads replay identically', () => {
    fc.assert(
      fc.property(caseArb(1, 25, 120), (c) =>
        run(buildDefinition(c.specs, c.maxPar, c.allTasks), c.events, c.snapAt),
      ),
      { numRuns: Number(process.env.SMALL_RUNS ?? 300), endOnFailure: true },
    );
  }, 180_000);

  it('a few hundred tasks: the same properties', () => {
    fc.assert(
      fc.property(caseArb(100, 300, 800), (c) =>
        run(buildDefinition(c.specs, c.maxPar, c.allTasks), c.events, c.snapAt),
      ),
      {
        numRuns: Number(process.env.BIG_RUNS ?? 15),
        endOnFailure: true,
        seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined,
      },
    );
    if (process.env.ENGINE_PROP_STATS) console.log(STATS);
  }, 180_000);
});
