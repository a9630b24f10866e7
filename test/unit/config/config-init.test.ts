import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { parse } from 'yaml';
import { configCommand } from '../../../src/cli/commands/workflow-config.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { COORDINATOR_KNOBS } from '../../../src/config/knobs.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobq-init-'));
  vi.spyOn(process, 'cwd').mockReturnValue(dir);
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const run = async (args: string[]) =>
  yargs(args)
    .option('target', { type: 'string' })
    .command(configCommand)
    .strict()
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    })
    .parseAsync();

describe('jobq workflow config init', () => {
  it('creates a missing directory for --path DIR/jobq.yaml (issue 15) and says so', async () => {
    const path = join(dir, 'new', 'nested', 'jobq.yaml');
    await run(['config', 'init', '--path', path, '--target', 'myacct/MyProj']);
    expect(existsSync(path)).toBe(true);
    expect(process.stdout.write).toHaveBeenCalledWith(expect.stringContaining('(created '));
  });

  it('refuses in one line when a parent of --path is a file', async () => {
    writeFileSync(join(dir, 'afile'), 'x');
    await expect(run(['config', 'init', '--path', join(dir, 'afile', 'jobq.yaml')])).rejects.toThrow(
      /is not a directory; choose another --path/,
    );
  });

  it('writes a valid template pre-filled with the resolved target that the resolver accepts', async () => {
    const path = join(dir, 'jobq.yaml');
    await run(['config', 'init', '--path', path, '--target', 'myacct/MyProj']);
    const text = readFileSync(path, 'utf8');
    expect(parse(text)).toMatchObject({ connection: { storage: 'myacct', prefix: 'MyProj' } });
    for (const k of COORDINATOR_KNOBS) expect(text).toContain(`# ${k.yaml}:`);
    const cfg = resolveConfig({ flags: {}, env: {}, cwd: dir, home: dir });
    expect(cfg.target).toMatchObject({ storage: { account: 'myacct' }, prefix: 'MyProj' });
    expect(cfg.sources.storage).toBe('file');
  });

  it('refuses to overwrite without --force, and replaces even an invalid file with it', async () => {
    const path = join(dir, 'jobq.yaml');
    writeFileSync(path, 'bogus: [\n');
    await expect(run(['config', 'init', '--path', path])).rejects.toThrow(/already exists; pass --force/);
    expect(readFileSync(path, 'utf8')).toBe('bogus: [\n');
    await run(['config', 'init', '--path', path, '--force']);
    expect(parse(readFileSync(path, 'utf8'))).toMatchObject({
      connection: { storage: 'devstoreaccount1', prefix: 'Local' },
    });
    expect(existsSync(path)).toBe(true);
  });
});
