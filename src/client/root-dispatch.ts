/**
 * Mixed deployments (DECISIONS §4.16). A jobq coordinator dispatches a submitted workflow's roots when
 * it gets the `activate` message; a reference (Python ai4s-jobq) coordinator does not: it takes that
 * message for the completion of an unknown task and only its ready-repair sweep (60 s, rows idle
 * > 300 s) finally pushes the roots. So `submit` looks at the prefix's lease with one HEAD request and,
 * when a coordinator that is not jobq holds it, dispatches the roots itself the reference client's way
 * (reference §7.3): mark them running (attempt 1, `max_parallelism` respected), push their task
 * messages, then write the state and the index row; a state conflict after the pushes is only logged.
 */
import type { Logger } from '../log.js';
import type { Runtime } from '../engine/api.js';
import type { Backend } from '../ports/backend.js';
import type { StateDocV1 } from '../wire/docs.js';
import { progressColumnsOf } from '../ports/index-store.js';
import { encodeTaskMessage } from '../wire/task-message.js';
import { isJobqError } from '../errors.js';
import { mapBounded } from './concurrency.js';

/** Who runs the prefix, as far as one HEAD of the lock blob tells. */
export type CoordinatorKind =
  /** leased, with a current jobq mark */
  | 'jobq'
  /** leased without a current jobq mark: a reference coordinator (or a jobq older than the mark) */
  | 'other'
  /** no lease held: nobody runs the prefix right now */
  | 'none'
  /** the lock blob could not be read; treated as `none` */
  | 'unknown';

/** `auto` decides from the lease; `always` / `never` are `--dispatch-roots` / `--no-dispatch-roots`. */
export type RootDispatchMode = 'auto' | 'always' | 'never';

/** What submit does about the roots, and why. */
export interface RootDispatchPlan {
  /** True: submit pushes the roots; false: it sends `activate` and the coordinator dispatches. */
  bySubmit: boolean;
  coordinator: CoordinatorKind | null;
  mode: RootDispatchMode;
}

/** Same bound as the reference's client (reference §7.3: ≤ 64 concurrent pushes). */
const PUSH_CONCURRENCY = 64;

/** Classify the lease holder from one HEAD of `_coordinator.lock`. */
export async function detectCoordinator(backend: Backend, logger: Logger): Promise<CoordinatorKind> {
  try {
    const st = await backend.lease.status();
    if (st.state !== 'leased') return 'none';
    return st.jobq?.current ? 'jobq' : 'other';
  } catch (err) {
    if (isJobqError(err, 'StorageUnreachableError')) throw err;
    logger.warn({ err }, 'could not read the coordinator lease; submitting for a jobq coordinator');
    return 'unknown';
  }
}

/** Decide how the roots get dispatched; `auto` costs one HEAD, the forced modes none. */
export async function planRootDispatch(
  backend: Backend,
  mode: RootDispatchMode,
  logger: Logger,
): Promise<RootDispatchPlan> {
  if (mode !== 'auto') return { bySubmit: mode === 'always', coordinator: null, mode };
  const coordinator = await detectCoordinator(backend, logger);
  return { bySubmit: coordinator === 'other', coordinator, mode };
}

/**
 * Dispatch the roots of a freshly stored workflow (its state written with `etag`): returns the task
 * names pushed. A push failure propagates (the workflow stays `pending` with its roots `ready`, which
 * a jobq activation sweep or the reference's ready-repair recovers); a failed state write after the
 * pushes is only logged.
 */
export async function dispatchRoots(
  backend: Backend,
  rt: Runtime,
  etag: string,
  now: number,
  logger: Logger,
): Promise<string[]> {
  const step = rt.activate(now);
  await mapBounded(step.dispatch, PUSH_CONCURRENCY, async (d) => {
    const queue = backend.queues.get(d.queue);
    await queue.ensure();
    const msg = encodeTaskMessage({
      workflowId: rt.workflowId,
      task: d.task,
      attemptNo: d.attemptNo,
      kwargsJson: rt.taskKwargsJson(d.task),
      upstreamRefs: null,
    });
    await queue.send(msg.body, { messageId: msg.id });
  });
  const log = logger.child({ workflowId: rt.workflowId });
  try {
    await backend.state.saveState(readyInsteadOfParked(rt.toStateDoc()), etag);
  } catch (err) {
    // As in the reference client: the pushes are out, the coordinator's write wins, and a completion of
    // attempt 1 is accepted by a task still stored `ready` at attempt 0 (push-before-flush recovery).
    if (isJobqError(err, 'StateConflictError')) log.warn(`submit(${rt.workflowId}): flush conflict ignored`);
    else log.warn({ err }, `submit(${rt.workflowId}): roots pushed, state write failed`);
    return step.dispatch.map((d) => d.task);
  }
  await backend.index
    .update(rt.workflowId, progressColumnsOf(rt))
    .catch((err: unknown) => log.warn({ err }, `Index update failed for ${rt.workflowId}`));
  return step.dispatch.map((d) => d.task);
}

/**
 * Roots beyond `max_parallelism` stay `ready`, as the reference client leaves them: a reference
 * coordinator never dispatches `ready_pending_budget` (reference §2.1), while its ready-repair sweep
 * does pick up `ready` tasks — and so does a jobq coordinator.
 */
function readyInsteadOfParked(doc: StateDocV1): StateDocV1 {
  let tasks: StateDocV1['tasks'] | null = null;
  for (const [name, t] of Object.entries(doc.tasks)) {
    if (t.state !== 'ready_pending_budget') continue;
    tasks ??= { ...doc.tasks };
    tasks[name] = { ...t, state: 'ready' };
  }
  return tasks ? { ...doc, tasks } : doc;
}
