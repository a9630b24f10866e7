import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  openTestStorage,
  testWorker,
  sendTask,
  takeCompletions,
  parseCompletion,
  type TestStorage,
} from './harness.js';
import type { Worker } from '../../../src/worker/index.js';
import type { DefinitionDocV1, DefinitionTaskDocV1, StateDocV1 } from '../../../src/wire/docs.js';

const QUEUE = 'helpers';
const REPO = join(import.meta.dirname, '../../..');
const FIXTURES = join(REPO, 'test/fixtures/worker');
const NODE_TSX = `node --import ${JSON.stringify(join(REPO, 'node_modules/tsx/dist/loader.mjs'))}`;
const CLI = `${NODE_TSX} ${join(FIXTURES, 'jobq-cli.ts')}`;
const SLOW = 120_000; // each task starts Node + tsx; the shared 2-core machine makes that seconds

let s: TestStorage;
let worker: Worker;
let bigRef: string;

function taskDoc(
  parents: string[],
  children: string[],
  kwargs: Record<string, unknown> = {},
): DefinitionTaskDocV1 {
  return {
    parents,
    children,
    queue: QUEUE,
    num_retries: 0,
    dep_policy: 'all',
    timeout_s: null,
    condition: null,
    kwargs,
  };
}

/** a, b → __merge_c_0 → c: a fan-in rewritten into a merge node (reference §1.8). */
async function writeMergedWorkflow(): Promise<void> {
  const wf = 'wf-merged';
  bigRef = await s.backend.outputs.putOutput(wf, 'b', JSON.stringify({ blob: 'x'.repeat(40_000) }));
  const def: DefinitionDocV1 = {
    v: 1,
    workflow_id: wf,
    name: 'merged',
    default_queue: QUEUE,
    result_policy: 'all_sinks_succeed',
    max_parallelism: null,
    created_at: new Date().toISOString(),
    tasks: {
      a: taskDoc([], ['__merge_c_0']),
      b: taskDoc([], ['__merge_c_0']),
      __merge_c_0: taskDoc(['a', 'b'], ['c'], { __batch_merge: true, __target: 'c', __batch: 0 }),
      c: taskDoc(['__merge_c_0'], []),
    },
  };
  const state: StateDocV1 = {
    v: 1,
    workflow_id: wf,
    workflow_state: 'running',
    cancel_requested: false,
    updated_at: new Date().toISOString(),
    error: null,
    tasks: {
      a: { state: 'completed', output_ref: '{"v": "A"}' },
      b: { state: 'completed', output_ref: bigRef },
      __merge_c_0: { state: 'completed' },
      c: { state: 'running', attempt_no: 1 },
    },
  };
  await s.backend.state.createWorkflow(def, state);
}

beforeAll(async () => {
  s = await openTestStorage('WkHelp');
  await writeMergedWorkflow();
  worker = testWorker(s, QUEUE, { concurrency: 2 });
  await worker.start();
});

afterAll(async () => {
  await worker?.stop({ graceMs: 0 });
  await s?.backend.close();
});

describe('task-side helpers inside real tasks (DECISIONS §5, §4.12)', () => {
  it(
    'a Node task reads real ancestors behind a merge node (state fallback) and blob outputs',
    async () => {
      await sendTask(s, QUEUE, {
        workflowId: 'wf-merged',
        task: 'c',
        kwargs: { cmd: `${NODE_TSX} ${join(FIXTURES, 'read-upstream.ts')} a` },
        upstreamRefs: [['__merge_c_0', null]],
      });
      const [c] = (await takeCompletions(s, 1, SLOW)).map(parseCompletion);
      expect(c.error).toBeNull();
      expect(JSON.parse(c.output_ref!)).toEqual({
        single: { v: 'A' },
        inputs: { a: '{"v":"A"}'.length, b: JSON.stringify({ blob: 'x'.repeat(40_000) }).length },
        real: ['a', 'b'],
        cancelled: false,
      });
    },
    SLOW,
  );

  it(
    '`jobq task output get` and `jobq task inputs` read direct parents through the sidecar alone',
    async () => {
      // No workflow exists in storage for this id: the answers can only come from the sidecar.
      await sendTask(s, QUEUE, {
        workflowId: 'wf-sidecar-only',
        task: 'child',
        kwargs: {
          cmd: `{ echo '['; ${CLI} task output get up; echo ','; ${CLI} task inputs; echo ','; ${CLI} task output get none; echo ']'; } > "$JOBQ_OUTPUT_FILE"`,
        },
        upstreamRefs: [
          ['up', '{"rows": 42}'],
          ['none', null],
        ],
      });
      const [c] = (await takeCompletions(s, 1, SLOW)).map(parseCompletion);
      expect(c.error).toBeNull();
      expect(JSON.parse(c.output_ref!)).toEqual([{ rows: 42 }, { up: { rows: 42 } }, null]);
    },
    SLOW,
  );

  it(
    'a stashed file round-trips: uploaded by the worker, downloaded by a child with `jobq task download`',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jobq-stash-'));
      await sendTask(s, QUEUE, {
        workflowId: 'wf-stash',
        task: 'producer',
        kwargs: { cmd: `${NODE_TSX} ${join(FIXTURES, 'stash-file.ts')} model.bin model-bytes-123`, cwd: dir },
      });
      const [p] = (await takeCompletions(s, 1, SLOW)).map(parseCompletion);
      expect(p.error).toBeNull();
      const out = JSON.parse(p.output_ref!) as {
        file: { __jobq_stash__: Record<string, unknown> };
        note: string;
      };
      expect(out.file.__jobq_stash__).toEqual({
        v: 1,
        state: 'ready',
        blob_name: 'workflow-files/wf-stash/producer/model.bin',
        md5: createHash('md5').update('model-bytes-123').digest('hex'),
        size: 'model-bytes-123'.length,
      });
      const consumerDir = mkdtempSync(join(tmpdir(), 'jobq-stash-dl-'));
      await sendTask(s, QUEUE, {
        workflowId: 'wf-stash',
        task: 'consumer',
        kwargs: { cmd: `${CLI} task download producer copy.bin --key file`, cwd: consumerDir },
        upstreamRefs: [['producer', p.output_ref]],
      });
      const [c] = (await takeCompletions(s, 1, SLOW)).map(parseCompletion);
      expect(c.error).toBeNull();
      expect(readFileSync(join(consumerDir, 'copy.bin'), 'utf8')).toBe('model-bytes-123');
    },
    SLOW,
  );
});
