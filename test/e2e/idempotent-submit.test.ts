/**
 * Idempotent submit (issue 19 §2) with real `jobq` processes on the test Azurite: ten concurrent
 * submits of one key land one workflow and print ten identical IDs; a different definition under the
 * key exits 2; purge frees the key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { azuriteEnv, runCli } from '../support/cli.js';
import { uniquePrefix } from '../support/azurite.js';
import { openTestBackend, writtenIds } from '../support/backend.js';
import type { Backend } from '../../src/ports/backend.js';
import { workflowIdForIdempotencyKey } from '../../src/model/fingerprint.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const dir = mkdtempSync(join(tmpdir(), 'jobq-idem-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const chain = (name: string, cmd: string) =>
  `name: ${name}\ntasks:\n  - name: a\n    kwargs: {cmd: "${cmd}"}\n  - name: b\n    depends_on: [a]\n    kwargs: {cmd: "true"}\n`;

describe('submit --idempotency-key', () => {
  const prefix = uniquePrefix('Idem');
  const wf = (...args: string[]) =>
    runCli(['workflow', `devstoreaccount1/${prefix}`, ...args], { env: azuriteEnv() });
  let backend: Backend;
  beforeAll(async () => (backend = await openTestBackend(prefix)));
  afterAll(async () => backend?.close());

  it('ten concurrent submits with one key: one workflow, ten identical IDs, nine say "already submitted"', async () => {
    const p = file('nightly.yaml', chain('nightly', 'true'));
    const results = await Promise.all(
      Array.from({ length: 10 }, () => wf('submit', p, '--idempotency-key', 'nightly-2026-12-01')),
    );
    const expected = workflowIdForIdempotencyKey('nightly-2026-12-01');
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(expected);
    }
    const already = results.filter((r) => /already submitted/.test(r.stderr));
    expect(already).toHaveLength(9);
    expect(await writtenIds(backend)).toEqual({ blobs: [expected], rows: [expected] });
  });

  it('the definition field works like the flag; a different definition under the key exits 2 and writes nothing', async () => {
    const keyed = file('keyed.yaml', `idempotency_key: release-7\n${chain('release', 'true')}`);
    const first = await wf('submit', keyed);
    expect(first.code, first.stderr).toBe(0);
    const id = first.stdout.trim();
    expect(id).toBe(workflowIdForIdempotencyKey('release-7'));
    const again = await wf('submit', keyed);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(id);
    expect(again.stderr).toMatch(/already submitted/);

    const changed = file('changed.yaml', `idempotency_key: release-7\n${chain('release', 'echo changed')}`);
    const before = await writtenIds(backend);
    const conflict = await wf('submit', changed);
    expect(conflict.code, conflict.stderr).toBe(2);
    expect(conflict.stdout).toBe('');
    const lines = conflict.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('▶'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /idempotency key "release-7" was already used for workflow .* different definition/,
    );
    expect(await writtenIds(backend)).toEqual(before);

    const bad = await wf('submit', keyed, '--id', 'x1', '--idempotency-key', 'k');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--id cannot be combined with --idempotency-key/);
  });

  it('purge frees the key: the next submit creates the workflow again', async () => {
    const p = file('purge.yaml', chain('purgeable', 'true'));
    const first = await wf('submit', p, '--idempotency-key', 'purge-me');
    expect(first.code, first.stderr).toBe(0);
    const id = first.stdout.trim();
    const purged = await wf('purge', '--all', '--yes');
    expect(purged.code, purged.stderr).toBe(0);
    expect((await writtenIds(backend)).blobs).not.toContain(id);
    const again = await wf('submit', p, '--idempotency-key', 'purge-me');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(id);
    expect(again.stderr).not.toMatch(/already submitted/);
    expect((await writtenIds(backend)).blobs).toContain(id);
  });
});
