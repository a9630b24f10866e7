import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getUpstreamOutput,
  getUpstreamOutputs,
  getRealUpstreamTasks,
  serializeOutput,
  setOutput,
  stashFile,
} from '../../../src/task/index.js';
import { readUpstreamSidecar, taskEnvironment } from '../../../src/task/context.js';
import { isJobqError } from '../../../src/errors.js';

function taskEnv(refs: Record<string, string | null>): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'jobq-helper-'));
  writeFileSync(join(dir, 'refs.json'), JSON.stringify(refs));
  writeFileSync(join(dir, 'out.json'), '');
  return {
    JOBQ_WORKFLOW_ID: 'wf',
    JOBQ_WORKFLOW_TASK: 'child',
    JOBQ_WORKFLOW_ATTEMPT: '2',
    JOBQ_WORKFLOW_UPSTREAM_REFS: join(dir, 'refs.json'),
    JOBQ_OUTPUT_FILE: join(dir, 'out.json'),
  };
}

describe('task helpers outside and inside a task (no storage needed)', () => {
  it('fail with a TaskContextError naming the missing variable outside a task', async () => {
    expect(() => taskEnvironment({})).toThrow(
      /JOBQ_WORKFLOW_ID is not set: this helper only works inside a task/,
    );
    expect(() => setOutput({ a: 1 }, {})).toThrow(/JOBQ_OUTPUT_FILE is not set/);
    const err = await getUpstreamOutput('x', { env: {} }).catch((e: unknown) => e);
    expect(isJobqError(err, 'TaskContextError')).toBe(true);
    expect((err as Error & { exitCode: number }).exitCode).toBe(2);
  });

  it('setOutput writes JSON to JOBQ_OUTPUT_FILE, last call wins; unrepresentable values are a TypeError', () => {
    const env = taskEnv({});
    setOutput({ first: true }, env);
    setOutput({ rows: 42, tags: ['a'] }, env);
    expect(JSON.parse(readFileSync(env.JOBQ_OUTPUT_FILE!, 'utf8'))).toEqual({ rows: 42, tags: ['a'] });
    expect(() => serializeOutput({ n: 1n })).toThrow(TypeError);
    expect(() => serializeOutput({ f: () => 1 })).toThrow(TypeError);
    expect(() => serializeOutput(undefined)).toThrow(TypeError);
  });

  it('stashFile returns a pending marker with the absolute path and basename', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-stashfile-'));
    writeFileSync(join(dir, 'model.bin'), 'x');
    expect(stashFile(join(dir, 'model.bin'))).toEqual({
      __jobq_stash__: { v: 1, state: 'pending', local_path: join(dir, 'model.bin'), filename: 'model.bin' },
    });
    expect(() => stashFile(join(dir, 'missing.bin'))).toThrow(/is not a file/);
  });

  it('reads inline parent outputs from the sidecar without opening storage', async () => {
    const env = taskEnv({ a: '{"v": 1}', b: null, c: '[1, 2]' });
    expect(await getUpstreamOutput('a', { env })).toEqual({ v: 1 });
    expect(await getUpstreamOutput('b', { env })).toBeNull();
    expect(await getUpstreamOutputs({ env })).toEqual({ a: { v: 1 }, c: [1, 2] });
    expect(await getRealUpstreamTasks({ env })).toEqual(['a', 'b', 'c']);
  });

  it('decodes ready stash markers in parent outputs into BlobStash objects', async () => {
    const marker = {
      __jobq_stash__: { v: 1, state: 'ready', blob_name: 'workflow-files/wf/p/f', md5: 'ab', size: 3 },
    };
    const env = taskEnv({ p: JSON.stringify({ file: marker }) });
    const out = (await getUpstreamOutput('p', { env })) as { file: { blob_name: string; size: number } };
    expect(out.file.constructor.name).toBe('BlobStash');
    expect(out.file).toMatchObject({ blob_name: 'workflow-files/wf/p/f', size: 3 });
  });

  it('treats a missing or empty sidecar as absent (the state fallback applies)', () => {
    expect(readUpstreamSidecar(null)).toBeNull();
    expect(readUpstreamSidecar('/nonexistent.json')).toBeNull();
    const env = taskEnv({});
    expect(readUpstreamSidecar(env.JOBQ_WORKFLOW_UPSTREAM_REFS!)).toBeNull();
  });
});
