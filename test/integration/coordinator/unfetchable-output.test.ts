/**
 * A condition on a parent output whose blob can never be fetched (it does not exist) must not wedge the
 * workflow by redelivering the completion for ever: the gated task is skipped with a condition error,
 * the completion is acked, and the rest of the workflow runs on (DECISIONS §4.4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/ports/backend.js';
import type { Coordinator } from '../../../src/coordinator/index.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { encodeCompletionMessage } from '../../../src/wire/completion-message.js';
import { uniquePrefix, waitFor } from '../../support/azurite.js';
import {
  FakeWorkers,
  completionDepth,
  def,
  openTestBackend,
  startCoordinator,
  submit,
  taskStates,
  waitForState,
} from './harness.js';

describe('a condition on an output blob that does not exist', () => {
  let backend: Backend;
  let client: WorkflowClient;
  let coord: Coordinator;
  let workers: FakeWorkers;

  beforeAll(async () => {
    backend = await openTestBackend(uniquePrefix('NoBlob'));
    client = new WorkflowClient({ backend });
    coord = await startCoordinator(backend);
    // `a` is taken off its queue without a completion; the test sends a's completion itself.
    workers = new FakeWorkers(backend, undefined, (t) =>
      t.task === 'a' ? 'drop' : { success: true },
    ).start();
  });

  afterAll(async () => {
    await workers.stop();
    await coord.stop();
    await backend.close();
  });

  it('skips the gated task with a condition error and lets the workflow finish', async () => {
    const id = await submit(
      client,
      def('noblob', [
        ['a', []],
        ['gated', ['a'], { condition: 'inputs.a.ok' }],
        ['plain', ['a']],
      ]),
    );
    await waitFor(() => workers.count('a', id) > 0, { what: 'a to be dispatched' });
    const ref = `blob:${id}/a.json`;
    await backend.completions.send(
      encodeCompletionMessage({
        workflowId: id,
        task: 'a',
        success: true,
        outputRef: ref,
        error: null,
        attemptNo: 1,
      }),
    );
    await waitForState(client, id, ['completed', 'failed']);
    expect(await taskStates(client, id)).toMatchObject({
      a: 'completed',
      gated: 'skipped',
      plain: 'completed',
    });
    const loaded = await client.loadRuntime(id);
    expect(loaded?.rt.taskStatus('gated').error).toMatch(
      new RegExp(`^condition error: upstream output ${ref} unavailable: .*does not exist`),
    );
    expect(coord.stats().condition_errors).toBe(1);
    await waitFor(async () => (await completionDepth(backend)) === 0, { what: 'completions acked' });
  });
});
