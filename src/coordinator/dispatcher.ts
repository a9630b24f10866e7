/**
 * Pushes tasks the engine moved READY → RUNNING (reference §5.6): one message per task attempt with id
 * `<wf>/<task>/<attempt>`, bounded concurrency, queues opened once. A message that would exceed the
 * backend's size limit is re-sent without upstream refs (the worker then reads them from state).
 */
import type { Logger } from '../log.js';
import type { Runtime, TaskDispatch } from '../engine/api.js';
import type { QueuePool, QueueClient } from '../ports/queue.js';
import type { CoordinatorStats } from './stats.js';
import { encodeTaskMessage } from '../wire/task-message.js';
import { isJobqError } from '../errors.js';
import { forEachLimit } from './concurrency.js';

export class Dispatcher {
  private readonly ensured = new Map<string, Promise<QueueClient>>();

  constructor(
    private readonly queues: QueuePool,
    private readonly stats: CoordinatorStats,
    private readonly logger: Logger,
    private readonly concurrency: number,
  ) {}

  /** Push every dispatch of `runtime`; rejects (after all settle) if any push failed. */
  async push(runtime: Runtime, dispatch: readonly TaskDispatch[]): Promise<void> {
    if (dispatch.length === 0) return;
    try {
      await forEachLimit(dispatch, this.concurrency, (d) => this.pushOne(runtime, d));
    } catch (err) {
      this.stats.push_errors++;
      throw err;
    }
  }

  private async queue(spec: string): Promise<QueueClient> {
    let q = this.ensured.get(spec);
    if (!q) {
      const client = this.queues.get(spec);
      q = client.ensure().then(() => client);
      this.ensured.set(spec, q);
      // A failed ensure must not poison the queue forever: forget it so the next push retries.
      q.catch(() => this.ensured.delete(spec));
    }
    return q;
  }

  private async pushOne(rt: Runtime, d: TaskDispatch): Promise<void> {
    const queue = await this.queue(d.queue);
    const parents = rt.parents(d.task);
    const base = {
      workflowId: rt.workflowId,
      task: d.task,
      attemptNo: d.attemptNo,
      kwargsJson: rt.taskKwargsJson(d.task),
    };
    const msg = encodeTaskMessage({
      ...base,
      upstreamRefs: parents.length ? rt.parentOutputRefs(d.task) : null,
    });
    try {
      await queue.send(msg.body, { messageId: msg.id });
    } catch (err) {
      if (!isJobqError(err, 'MessageTooLargeError') || parents.length === 0) throw err;
      this.stats.refs_dropped++;
      this.logger.warn(
        { workflowId: rt.workflowId, task: d.task, attempt: d.attemptNo },
        'task message too large with upstream refs; sending without them (worker reads state)',
      );
      const bare = encodeTaskMessage({ ...base, upstreamRefs: null });
      await queue.send(bare.body, { messageId: bare.id });
    }
    this.stats.tasks_pushed++;
  }
}
