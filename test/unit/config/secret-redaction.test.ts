import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { configCommand } from '../../../src/cli/commands/workflow-config.js';
import { resolveConfig, configBanner } from '../../../src/config/resolve.js';
import { createLogger } from '../../../src/log.js';

const ACCOUNT_KEY = 'S3cr3tAccountKeyBase64Value==';
const SAS_SIG = 'sv=2024-01-01&ss=b&sig=S3cr3tSasSignature%3D';
const SB_KEY = 'S3cr3tServiceBusKey=';
const STORAGE_CS = `DefaultEndpointsProtocol=https;AccountName=prodacct;AccountKey=${ACCOUNT_KEY};EndpointSuffix=core.windows.net`;
const SAS_CS = `BlobEndpoint=https://blobacct.blob.core.windows.net;SharedAccessSignature=${SAS_SIG}`;
const SB_CS = `Endpoint=sb://prodns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${SB_KEY}`;
const SECRETS = ['S3cr3tAccountKeyBase64Value', 'S3cr3tSasSignature', 'S3cr3tServiceBusKey'];

let dir: string;
const savedEnv = { ...process.env };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobq-redact-'));
  writeFileSync(join(dir, 'jobq.yaml'), `connection:\n  storage: "${STORAGE_CS}"\n  prefix: Prod\n`);
  vi.spyOn(process, 'cwd').mockReturnValue(dir);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.env = { ...savedEnv };
  rmSync(dir, { recursive: true, force: true });
});

async function runConfig(args: string[]): Promise<string> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  await yargs(args).command(configCommand).strict().parseAsync();
  return out;
}

describe('secrets never leave the process', () => {
  it('config show --json and text redact AccountKey, SAS and SharedAccessKey', async () => {
    process.env.JOBQ_WORKFLOW_QUEUES = SB_CS;
    for (const args of [
      ['config', 'show', '--json'],
      ['config', 'show'],
    ]) {
      const out = await runConfig(args);
      for (const s of SECRETS) expect(out).not.toContain(s);
      expect(out).toContain('prodacct');
      expect(out).toContain('***');
    }
    const json = JSON.parse(await runConfig(['config', 'show', '--json']));
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining([
        'storage',
        'prefix',
        'queues',
        'blobs',
        'sources',
        'config_path',
        'coordinator',
      ]),
    );
    expect(json.sources).toMatchObject({ storage: 'file', prefix: 'file', queues: 'env' });
    expect(json.coordinator.batch_size).toBe(32);
  });

  it('a SAS connection string as queues backend is redacted in the banner', () => {
    const cfg = resolveConfig({ flags: { queues: SAS_CS }, env: {}, cwd: dir, home: dir });
    const banner = configBanner(cfg, 'Coordinator');
    for (const s of SECRETS) expect(banner).not.toContain(s);
  });

  it('log lines carrying a resolved target or a connection string are redacted', () => {
    const cfg = resolveConfig({ flags: { queues: SB_CS }, env: {}, cwd: dir, home: dir });
    const logPath = join(dir, 'log.jsonl');
    const fd = openSync(logPath, 'w');
    const logger = createLogger({ fd, level: 'info' });
    logger.info({ target: cfg.target }, 'opened target');
    logger.info({ connectionString: STORAGE_CS }, `connecting with ${SAS_CS}`);
    logger.child({ workflowId: 'wf-1' }).warn({ err: new Error(`failed for ${STORAGE_CS}`) }, 'boom');
    closeSync(fd);
    const text = readFileSync(logPath, 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(3);
    for (const s of SECRETS) expect(text).not.toContain(s);
  });
});
