import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  resolveConfig,
  requireTarget,
  configBanner,
  type ResolveInput,
} from '../../../src/config/resolve.js';
import { isJobqError } from '../../../src/errors.js';

let cwd: string;
let home: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'jobq-cfg-cwd-'));
  home = mkdtempSync(join(tmpdir(), 'jobq-cfg-home-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

const resolve = (flags: ResolveInput['flags'] = {}, env: NodeJS.ProcessEnv = {}) =>
  resolveConfig({ flags, env, cwd, home });
const targetMessage = (flags: ResolveInput['flags'], env: NodeJS.ProcessEnv = {}) => {
  const cfg = resolve(flags, env);
  expect(cfg.target).toBeNull();
  expect(() => requireTarget(cfg)).toThrow(cfg.targetError!.message);
  return cfg.targetError!.message;
};

describe('target resolution', () => {
  it('defaults to the embedded Azurite devstoreaccount1/Local with source default', () => {
    const cfg = resolve({}, { BLOB_PORT: '20000', QUEUE_PORT: '20001', TABLE_PORT: '20002' });
    expect(cfg.target).toMatchObject({
      prefix: 'Local',
      storage: { kind: 'azurite', blobPort: 20000, queuePort: 20001, tablePort: 20002 },
      blobs: { container: 'jobq-workflow-data' },
      queues: { kind: 'storage' },
    });
    expect(cfg.sources).toEqual({
      storage: 'default',
      prefix: 'default',
      queues: 'default',
      blobs: 'default',
    });
    expect(cfg.configPath).toBeNull();
  });

  it('flag beats env beats file, and each source is recorded', () => {
    writeFileSync(
      join(cwd, 'jobq.yaml'),
      'connection:\n  storage: fileacct\n  prefix: FilePrefix\n  queues: filequeues\n',
    );
    expect(resolve().target).toMatchObject({
      storage: { kind: 'aad', account: 'fileacct' },
      prefix: 'FilePrefix',
    });
    expect(resolve().sources).toEqual({ storage: 'file', prefix: 'file', queues: 'file', blobs: 'default' });
    const env = { JOBQ_WORKFLOW_PREFIX: 'envacct/EnvPrefix', JOBQ_WORKFLOW_QUEUES: 'sb://envns' };
    const fromEnv = resolve({}, env);
    expect(fromEnv.target).toMatchObject({
      storage: { account: 'envacct' },
      prefix: 'EnvPrefix',
      queues: { kind: 'service-bus', namespace: 'envns' },
    });
    expect(fromEnv.sources).toMatchObject({ storage: 'env', prefix: 'env', queues: 'env' });
    const fromFlag = resolve({ target: 'flagacct/FlagPrefix', blobs: 'blobacct/my-files' }, env);
    expect(fromFlag.target).toMatchObject({
      storage: { account: 'flagacct' },
      prefix: 'FlagPrefix',
      blobs: { account: { account: 'blobacct' }, container: 'my-files' },
    });
    expect(fromFlag.sources).toEqual({ storage: 'flag', prefix: 'flag', queues: 'env', blobs: 'flag' });
  });

  it('splits ACCOUNT/PREFIX on the last slash', () => {
    expect(resolve({ target: 'a/b/Prefix1' }).targetError!.message).toMatch(/Invalid storage account 'a\/b'/);
    expect(resolve({ target: 'devstoreaccount1/Proj' }).target!.prefix).toBe('Proj');
  });

  it('rejects URLs and connection strings in JOBQ_WORKFLOW_PREFIX', () => {
    for (const v of ['https://acct.blob.core.windows.net/P', 'AccountName=a;AccountKey=c2VjcmV0/P']) {
      const msg = targetMessage({}, { JOBQ_WORKFLOW_PREFIX: v });
      expect(msg).toMatch(/^JOBQ_WORKFLOW_PREFIX cannot be a URL or connection string/);
      expect(msg).not.toContain('c2VjcmV0');
    }
  });

  it('reports a missing prefix and empty segments', () => {
    expect(targetMessage({}, { JOBQ_WORKFLOW_PREFIX: 'myaccount' })).toMatch(
      /^Missing prefix in 'myaccount' \(JOBQ_WORKFLOW_PREFIX\)\. Expected <account>\/<prefix>/,
    );
    expect(targetMessage({ target: 'myaccount/' })).toMatch(
      /^Invalid <account>\/<prefix>: 'myaccount\/'.*Both segments must be non-empty\./,
    );
    expect(targetMessage({ target: '/Prefix' })).toMatch(/Both segments must be non-empty/);
    expect(targetMessage({ blobs: 'acct' })).toMatch(/^Missing container in 'acct' \(--blobs\)/);
  });

  it('says which of storage account and prefix is missing when the file sets only one', () => {
    writeFileSync(join(cwd, 'jobq.yaml'), 'connection:\n  storage: fileacct\n');
    expect(targetMessage({})).toMatch(
      /^Workflow prefix not configured\. Set JOBQ_WORKFLOW_PREFIX=<account>\/<prefix>.*jobq\.yaml/,
    );
    writeFileSync(join(cwd, 'jobq.yaml'), 'connection:\n  prefix: OnlyPrefix\n');
    expect(targetMessage({})).toMatch(/^Workflow storage account not configured\./);
  });

  it('rejects prefixes that cannot name the table and containers', () => {
    expect(targetMessage({ target: 'acct/my-prefix' })).toMatch(/Invalid prefix 'my-prefix'/);
    expect(targetMessage({ target: 'acct/1abc' })).toMatch(/Invalid prefix/);
    expect(targetMessage({ target: 'acct/Bad_Container', blobs: 'acct/UPPER' })).toMatch(/Invalid prefix/);
    expect(targetMessage({ blobs: 'acct/UPPER' })).toMatch(/Invalid container 'UPPER'/);
  });

  it('fails every command when a legacy variable is set, naming the new ones', () => {
    for (const legacy of ['JOBQ_WORKFLOW_STATE', 'JOBQ_WORKFLOW']) {
      const err = (() => {
        try {
          resolve({}, { [legacy]: 'acct' });
        } catch (e) {
          return e;
        }
      })();
      expect(isJobqError(err, 'ConfigError')).toBe(true);
      const msg = (err as Error).message;
      expect(msg).toContain(legacy);
      for (const name of ['JOBQ_WORKFLOW_PREFIX', 'JOBQ_WORKFLOW_QUEUES', 'JOBQ_WORKFLOW_BLOBS'])
        expect(msg).toContain(name);
    }
  });

  it('accepts a connection string as connection.storage in the file (only there)', () => {
    const cs =
      'DefaultEndpointsProtocol=https;AccountName=prodacct;AccountKey=c2VjcmV0a2V5;EndpointSuffix=core.windows.net';
    writeFileSync(join(cwd, 'jobq.yaml'), `connection:\n  storage: "${cs}"\n  prefix: Prod\n`);
    const cfg = resolve();
    expect(cfg.target!.storage).toMatchObject({ kind: 'connection-string', account: 'prodacct' });
    expect(cfg.display.storage).not.toContain('c2VjcmV0a2V5');
    expect(configBanner(cfg)).not.toContain('c2VjcmV0a2V5');
  });
});

describe('config file discovery', () => {
  it('searches ./jobq.yaml, ./.jobq.yaml, then ~/.config/ai4s-jobq/jobq.yaml', () => {
    mkdirSync(join(home, '.config', 'ai4s-jobq'), { recursive: true });
    writeFileSync(
      join(home, '.config', 'ai4s-jobq', 'jobq.yaml'),
      'connection: {storage: homeacct, prefix: Home}\n',
    );
    expect(resolve().target!.prefix).toBe('Home');
    writeFileSync(join(cwd, '.jobq.yaml'), 'connection: {storage: dotacct, prefix: Dot}\n');
    expect(resolve().target!.prefix).toBe('Dot');
    writeFileSync(join(cwd, 'jobq.yaml'), 'connection: {storage: acct, prefix: Plain}\n');
    expect(resolve().target!.prefix).toBe('Plain');
    expect(resolve().configPath).toBe(join(cwd, 'jobq.yaml'));
  });

  it('--config wins over JOBQ_WORKFLOW_CONFIG; an explicit path that does not exist is an error', () => {
    writeFileSync(join(cwd, 'a.yaml'), 'connection: {storage: acct, prefix: FromFlag}\n');
    writeFileSync(join(cwd, 'b.yaml'), 'connection: {storage: acct, prefix: FromEnv}\n');
    expect(resolve({ config: 'a.yaml' }, { JOBQ_WORKFLOW_CONFIG: join(cwd, 'b.yaml') }).target!.prefix).toBe(
      'FromFlag',
    );
    expect(resolve({}, { JOBQ_WORKFLOW_CONFIG: join(cwd, 'b.yaml') }).target!.prefix).toBe('FromEnv');
    expect(() => resolve({ config: 'missing.yaml' })).toThrow(
      'Config file not found (--config): missing.yaml',
    );
    expect(() => resolve({}, { JOBQ_WORKFLOW_CONFIG: '/nope/jobq.yaml' })).toThrow(
      'Config file not found (JOBQ_WORKFLOW_CONFIG): /nope/jobq.yaml',
    );
  });

  it('treats an empty file as empty config and rejects non-mappings, unknown sections and unknown keys', () => {
    const write = (text: string) => writeFileSync(join(cwd, 'jobq.yaml'), text);
    write('');
    expect(resolve().target!.prefix).toBe('Local');
    write('- a\n- b\n');
    expect(() => resolve()).toThrow(/top level must be a mapping/);
    write('connection: {storage: a, prefix: B}\nworker: {}\n');
    expect(() => resolve()).toThrow(
      /unknown key 'worker' in the top level; allowed: connection, coordinator\./,
    );
    write('connection: {storag: a}\n');
    expect(() => resolve()).toThrow(
      /unknown key 'storag' in 'connection'; allowed: storage, prefix, queues, blobs\./,
    );
    write('coordinator: {batchsize: 3}\n');
    expect(() => resolve()).toThrow(
      /unknown key 'batchsize' in 'coordinator'; allowed: batch_size, visibility_timeout_s/,
    );
    write('connection: 3\n');
    expect(() => resolve()).toThrow(/'connection' must be a mapping/);
    write('connection: {storage: [unclosed\n');
    expect(() => resolve()).toThrow(/^Invalid config file/);
  });
});
