import { describe, expect, it } from 'vitest';
import { redactSecrets, redactDeep } from '../../src/log.js';

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
