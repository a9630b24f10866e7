import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets, redactDeep } from '../../src/log.js';

describe('secret redaction', () => {
  it('masks account keys, SAS signatures and Service Bus keys in strings', () => {
    const cs =
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=abc123==;EndpointSuffix=core.windows.net';
    expect(redactSecrets(cs)).toBe(
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core.windows.net',
    );
    expect(redactSecrets('BlobEndpoint=x;SharedAccessSignature=sv=2020&sig=zzz')).toContain(
      'SharedAccessSignature=***',
    );
    expect(
      redactSecrets('Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=k3y='),
    ).toBe('Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=***');
    expect(redactSecrets('https://a.blob.core.windows.net/c?sv=1&sig=SECRET&se=2')).not.toContain('SECRET');
  });

  it('redacts nested values without touching other fields', () => {
    const out = redactDeep({ a: { cs: 'AccountKey=topsecret;x=1', n: 3 }, l: ['SharedAccessKey=q'] });
    expect(out).toEqual({ a: { cs: 'AccountKey=***;x=1', n: 3 }, l: ['SharedAccessKey=***'] });
  });
});

/** Capture the JSON lines a real createLogger writes to a pipe-backed fd. */
function captureLines(log: (logger: ReturnType<typeof createLogger>) => void): Record<string, unknown>[] {
  const dir = mkdtempSync(join(tmpdir(), 'jobq-log-'));
  const file = join(dir, 'log.ndjson');
  const fd = openSync(file, 'w');
  try {
    log(createLogger({ level: 'info', fd }));
  } finally {
    closeSync(fd);
  }
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

class FakeRestError extends Error {
  code = 'AuthenticationFailed';
  statusCode = 403;
  // Like the SDK's RestError: a request object that must not be logged whole.
  request = { url: 'https://a.blob.core.windows.net/c?sig=SECRETSIG', headers: { big: 'x' } };
}

describe('logged errors', () => {
  it('keep type, message, stack, code and statusCode, with secrets redacted', () => {
    const err = new FakeRestError('Server failed: AccountKey=secret;x');
    const [line] = captureLines((l) => l.error({ err, workflowId: 'w1' }, 'blob write failed'));
    const logged = line.err as Record<string, unknown>;
    expect(line.msg).toBe('blob write failed');
    expect(line.workflowId).toBe('w1');
    expect(logged.type).toBe('FakeRestError');
    expect(logged.message).toBe('Server failed: AccountKey=***;x');
    expect(logged.stack).toMatch(/^Error: Server failed: AccountKey=\*\*\*;x\n\s+at .*log-redaction/);
    expect(logged.code).toBe('AuthenticationFailed');
    expect(logged.statusCode).toBe(403);
    expect(logged).not.toHaveProperty('request');
    expect(JSON.stringify(line)).not.toContain('secret');
    expect(JSON.stringify(line)).not.toContain('SECRETSIG');
  });

  it('keep a nested cause chain', () => {
    const root = Object.assign(new Error('connect ECONNREFUSED SharedAccessKey=k3y'), {
      code: 'ECONNREFUSED',
    });
    const err = new Error('queue send failed', { cause: new Error('retry exhausted', { cause: root }) });
    const [line] = captureLines((l) => l.warn({ err }, 'x'));
    const logged = line.err as {
      cause: { message: string; cause: { message: string; code: string; stack: string } };
    };
    expect(logged.cause.message).toBe('retry exhausted');
    expect(logged.cause.cause).toMatchObject({
      message: 'connect ECONNREFUSED SharedAccessKey=***',
      code: 'ECONNREFUSED',
    });
    expect(logged.cause.cause.stack).toContain('SharedAccessKey=***');
  });

  it('take a redacted message when an error is logged without one', () => {
    const lines = captureLines((l) => {
      l.error(new Error('bad AccountKey=secret'));
      l.error({ err: new Error('also AccountKey=secret') });
    });
    expect(lines.map((l) => l.msg)).toEqual(['bad AccountKey=***', 'also AccountKey=***']);
    expect((lines[0].err as { message: string }).message).toBe('bad AccountKey=***');
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it('survive reference cycles in logged objects', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redactDeep({ a })).toEqual({ a: { name: 'a', self: '[Circular]' } });
    const shared = { k: 'AccountKey=s' };
    expect(redactDeep({ x: shared, y: shared })).toEqual({
      x: { k: 'AccountKey=***' },
      y: { k: 'AccountKey=***' },
    });
  });
});
