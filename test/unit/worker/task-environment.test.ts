import { describe, expect, it } from 'vitest';
import { buildTaskEnv, targetEnv, taskEnvKwarg } from '../../../src/worker/task-env.js';
import { deadLetterSpec, workerSettingsFromEnv } from '../../../src/worker/options.js';
import type { Target } from '../../../src/config/types.js';

const azurite = {
  kind: 'azurite',
  account: 'devstoreaccount1',
  host: '127.0.0.1',
  blobPort: 1,
  queuePort: 2,
  tablePort: 3,
} as const;

describe('task process environment (reference §6.2)', () => {
  it('layers worker env, task env, then identity and sidecars the task cannot override', () => {
    const env = buildTaskEnv(
      {
        PATH: '/bin',
        JOBQ_WORKFLOW_PREFIX: 'acct/P',
        JOBQ_WORKFLOW_QUEUES: 'qacct',
        JOBQ_WORKFLOW_ID: 'outer',
      },
      { FOO: 'bar', JOBQ_WORKFLOW_QUEUES: 'own', JOBQ_WORKFLOW_ID: 'spoof' },
      { workflowId: 'wf1', task: 't', attemptNo: 2 },
      { refsPath: '/tmp/r.json', outputPath: '/tmp/o.json', cleanup: async () => {} },
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      FOO: 'bar',
      JOBQ_WORKFLOW_PREFIX: 'acct/P',
      JOBQ_WORKFLOW_QUEUES: 'own',
      JOBQ_WORKFLOW_ID: 'wf1',
      JOBQ_WORKFLOW_TASK: 't',
      JOBQ_WORKFLOW_ATTEMPT: '2',
      JOBQ_WORKFLOW_UPSTREAM_REFS: '/tmp/r.json',
      JOBQ_OUTPUT_FILE: '/tmp/o.json',
    });
  });

  it('omits the attempt when unknown and strips an enclosing task identity for plain tasks', () => {
    const wf = buildTaskEnv({}, {}, { workflowId: 'w', task: 't', attemptNo: null }, null);
    expect(wf.JOBQ_WORKFLOW_ATTEMPT).toBeUndefined();
    const plain = buildTaskEnv({ JOBQ_WORKFLOW_ID: 'outer', JOBQ_OUTPUT_FILE: '/x' }, {}, null, null);
    expect(plain.JOBQ_WORKFLOW_ID).toBeUndefined();
    expect(plain.JOBQ_OUTPUT_FILE).toBeUndefined();
  });

  it('stringifies env kwarg values and drops nulls', () => {
    expect(taskEnvKwarg({ A: 1, B: true, C: null, D: 'x', E: { k: 1 } })).toEqual({
      A: '1',
      B: 'true',
      D: 'x',
      E: '{"k":1}',
    });
    expect(taskEnvKwarg('nope')).toEqual({});
  });

  it('propagates the worker target so `jobq task` inside a task reaches the same storage', () => {
    const target: Target = {
      storage: azurite,
      prefix: 'Proj',
      queues: { kind: 'storage', account: azurite },
      blobs: { account: azurite, container: 'files' },
    };
    expect(targetEnv(target)).toEqual({
      JOBQ_WORKFLOW_PREFIX: 'devstoreaccount1/Proj',
      JOBQ_WORKFLOW_QUEUES: 'devstoreaccount1',
      JOBQ_WORKFLOW_BLOBS: 'devstoreaccount1/files',
      BLOB_PORT: '1',
      QUEUE_PORT: '2',
      TABLE_PORT: '3',
    });
    const cs: Target = {
      storage: { kind: 'connection-string', account: 'a', connectionString: 'AccountName=a;AccountKey=k' },
      prefix: 'P',
      queues: { kind: 'service-bus', namespace: 'ns', connectionString: null },
      blobs: { account: { kind: 'aad', account: 'blobacct' }, container: 'c' },
    };
    const env = targetEnv(cs, '/etc/jobq.yaml');
    // A connection string never travels in JOBQ_WORKFLOW_PREFIX; the config file carries it instead.
    expect(env.JOBQ_WORKFLOW_PREFIX).toBeUndefined();
    expect(env).toMatchObject({
      JOBQ_WORKFLOW_CONFIG: '/etc/jobq.yaml',
      JOBQ_WORKFLOW_QUEUES: 'sb://ns',
      JOBQ_WORKFLOW_BLOBS: 'blobacct/c',
    });
  });
});

describe('worker settings', () => {
  it('reads the reference env knobs with their defaults', () => {
    expect(workerSettingsFromEnv({})).toEqual({
      cancelPollIntervalS: 30,
      completionSendMaxAttempts: 0,
      killTimeoutS: 600,
      maxIdleBackoffS: 1.2,
      idleAlign: true,
      taskLogs: { refreshIntervalS: 10, maxBytes: 1024 * 1024 },
    });
    expect(
      workerSettingsFromEnv({
        JOBQ_CANCEL_POLL_INTERVAL: '0',
        JOBQ_COMPLETION_SEND_MAX_ATTEMPTS: '0',
        JOBQ_KILL_TIMEOUT: '5',
        JOBQ_MAX_IDLE_BACKOFF: '2s',
        JOBQ_LOG_REFRESH_INTERVAL: '0',
        JOBQ_LOG_MAX_BYTES: '4MiB',
        JOBQ_IDLE_ALIGN: 'false',
      }),
    ).toEqual({
      cancelPollIntervalS: 1,
      completionSendMaxAttempts: 0,
      killTimeoutS: 5,
      maxIdleBackoffS: 2,
      idleAlign: false,
      taskLogs: { refreshIntervalS: 0, maxBytes: 4 * 1024 * 1024 },
    });
    expect(workerSettingsFromEnv({ JOBQ_COMPLETION_SEND_MAX_ATTEMPTS: '5' }).completionSendMaxAttempts).toBe(
      5,
    );
  });

  it('names the dead-letter queue <queue>-failed on the same backend', () => {
    expect(deadLetterSpec('gpu')).toBe('gpu-failed');
    expect(deadLetterSpec('acct/gpu')).toBe('acct/gpu-failed');
    expect(deadLetterSpec('sb://ns/gpu')).toBe('sb://ns/gpu-failed');
    expect(deadLetterSpec('sb://ns')).toBe('sb://ns/ns-failed');
  });
});
