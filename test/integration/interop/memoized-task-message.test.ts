/**
 * A Python ai4s-jobq worker runs a memoizable task like any other (issue 19, Compatibility): the task
 * messages the coordinator pushes for a workflow whose tasks carry `cache:` are byte for byte the
 * messages of the same workflow without it (the workflow ID aside), for a root and for a child with
 * upstream refs, and decode to the definition's kwargs with no jobq key added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/index.js';
import { openMemoryBackend } from '../../../src/adapters/memory/open.js';
import { createMemoryWorld } from '../../../src/adapters/memory/world.js';
import { DEFAULT_COORDINATOR_SETTINGS } from '../../../src/config/defaults.js';
import { silentLogger } from '../../../src/log.js';
import { WorkflowClient } from '../../../src/client/workflow-client.js';
import { parseDefinition } from '../../../src/model/load.js';
import { encodeCompletionMessage } from '../../../src/wire/completion-message.js';
import { decodeTaskMessage } from '../../../src/wire/task-message.js';
import type { Backend } from '../../../src/ports/backend.js';

const QUEUE = 'pyq';

function definition(memo: boolean) {
  const cache = memo ? { cache: true } : {};
  return parseDefinition(
    {
      name: 'interop-memo',
      default_queue: QUEUE,
      tasks: [
        { name: 'prep', ...cache, kwargs: { cmd: 'python prep.py', env: { A: '1' } } },
        {
          name: 'train',
          depends_on: ['prep'],
          ...(memo ? { cache: { version: 'v2', ttl_s: 3600 } } : {}),
          kwargs: { cmd: 'python train.py --lr 0.1', lr: 0.1 },
        },
      ],
    },
    'interop',
  );
}

async function receiveOne(backend: Backend, workflowId: string): Promise<string> {
  const q = backend.queues.get(QUEUE);
  const deadline = Date.now() + 10_000;
  for (;;) {
    for (const m of await q.receive(32, 30)) {
      await q.delete(m);
      const d = decodeTaskMessage(m.body);
      if (d.kind === 'workflow' && d.workflowId === workflowId) return m.body;
      throw new Error(`unexpected message ${m.body}`);
    }
    if (Date.now() > deadline) throw new Error(`no task message of ${workflowId}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('task messages of memoizable tasks', () => {
  let backend: Backend;
  let coordinator: Coordinator;
  let client: WorkflowClient;

  beforeAll(async () => {
    backend = openMemoryBackend(createMemoryWorld(), 'Interop');
    await backend.ensureResources();
    client = new WorkflowClient({ backend });
    coordinator = new Coordinator({
      backend,
      settings: { ...DEFAULT_COORDINATOR_SETTINGS, idleSleepS: 0.001, maxIdleSleepS: 0.01 },
      logger: silentLogger(),
    });
    await coordinator.start();
  });
  afterAll(async () => {
    await coordinator?.stop();
    await backend?.close();
  });

  it('are the plain workflow’s messages, byte for byte, for a root and a child with upstream refs', async () => {
    const bodies: Record<'plain' | 'memo', { id: string; root: string; child: string }> = {} as never;
    for (const kind of ['plain', 'memo'] as const) {
      const { workflowId } = await client.submit(definition(kind === 'memo'));
      const root = await receiveOne(backend, workflowId);
      await backend.completions.send(
        encodeCompletionMessage({
          workflowId,
          task: 'prep',
          success: true,
          outputRef: '{"rows": 10}',
          error: null,
          attemptNo: 1,
        }),
      );
      const child = await receiveOne(backend, workflowId);
      bodies[kind] = { id: workflowId, root, child };
    }
    const { plain, memo } = bodies;
    const asPlain = (body: string) => body.split(memo.id).join(plain.id);
    expect(asPlain(memo.root)).toBe(plain.root);
    expect(asPlain(memo.child)).toBe(plain.child);

    const child = decodeTaskMessage(memo.child);
    expect(child).toMatchObject({
      kind: 'workflow',
      task: 'train',
      attemptNo: 1,
      kwargs: { cmd: 'python train.py --lr 0.1', lr: 0.1 },
      upstreamRefs: { prep: '{"rows": 10}' },
    });
    expect(JSON.stringify(child)).not.toMatch(/cache|jobq|ttl_s|v2/);
  });
});
