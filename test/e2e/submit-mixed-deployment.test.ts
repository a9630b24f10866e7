/**
 * `jobq workflow submit` as a child process against a prefix whose lease a reference coordinator
 * holds (DECISIONS §4.16): one line says that submit dispatched the roots itself, and
 * `--no-dispatch-roots` says what happens instead.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { azuriteEnv, runCli } from '../support/cli.js';
import { uniquePrefix } from '../support/azurite.js';
import { openTestBackend } from '../support/backend.js';
import { ReferenceCoordinator } from '../support/reference-coordinator.js';
import type { Backend } from '../../src/ports/backend.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe('submit under a reference coordinator (CLI)', () => {
  const prefix = uniquePrefix('CliRef');
  const queue = `q-${prefix.toLowerCase()}`;
  const dir = mkdtempSync(join(tmpdir(), 'jobq-mixed-'));
  const file = join(dir, 'wf.yaml');
  writeFileSync(
    file,
    `name: mixed\ndefault_queue: ${queue}\ntasks:\n  - name: a\n    kwargs: {cmd: "true"}\n  - name: b\n    depends_on: [a]\n    kwargs: {cmd: "true"}\n`,
  );
  const submit = (...args: string[]) =>
    runCli(['workflow', `devstoreaccount1/${prefix}`, 'submit', file, ...args], { env: azuriteEnv() });
  let backend: Backend;
  let reference: ReferenceCoordinator;
  beforeAll(async () => {
    backend = await openTestBackend(prefix);
    await backend.ensureResources();
    reference = new ReferenceCoordinator(prefix);
    await reference.start();
  });
  afterAll(async () => {
    await reference?.stop();
    await backend?.close();
  });

  it('dispatches the roots itself and says so in one line', async () => {
    const r = await submit('--id', 'wf-cli-1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('wf-cli-1');
    const notes = r.stderr.split('\n').filter((l) => l.includes('is not jobq'));
    expect(notes).toEqual([
      expect.stringMatching(/not jobq: submit dispatched the roots itself, as the reference client does\.$/),
    ]);
    const q = backend.queues.get(queue);
    const msgs = await q.receive(32, 30);
    expect(msgs.map((m) => (JSON.parse(m.body) as { id: string }).id)).toEqual(['wf-cli-1/a/1']);
  });

  it('--no-dispatch-roots sends activate and says the roots wait for the ready-repair sweep', async () => {
    const r = await submit('--id', 'wf-cli-2', '--no-dispatch-roots');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /--no-dispatch-roots: the coordinator holding the lease of .* is not jobq and ignores the activate message; the roots start only when its ready-repair sweep finds the workflow/,
    );
    expect(await backend.queues.get(queue).receive(32, 30)).toEqual([]);
  });
});
