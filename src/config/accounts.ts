/**
 * Account and queue-address strings (reference §4.9, §7.1): `devstoreaccount1`, connection strings,
 * plain account names (Entra ID), `sb://namespace[/queue]` and Service Bus connection strings.
 */
import { ConfigError } from '../errors.js';
import type { AccountSpec, QueuesSpec } from './types.js';
import { AZURITE_ACCOUNT, AZURITE_DEFAULT_PORTS } from './defaults.js';

export interface AzuritePortEnv {
  BLOB_PORT?: string;
  QUEUE_PORT?: string;
  TABLE_PORT?: string;
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new ConfigError(`${name} must be a port number (1-65535), got '${value}'.`);
  return n;
}

export function azuriteAccount(env: AzuritePortEnv = process.env, host = '127.0.0.1'): AccountSpec {
  return {
    kind: 'azurite',
    account: AZURITE_ACCOUNT,
    host,
    blobPort: port(env.BLOB_PORT, AZURITE_DEFAULT_PORTS.blob, 'BLOB_PORT'),
    queuePort: port(env.QUEUE_PORT, AZURITE_DEFAULT_PORTS.queue, 'QUEUE_PORT'),
    tablePort: port(env.TABLE_PORT, AZURITE_DEFAULT_PORTS.table, 'TABLE_PORT'),
  };
}

function connectionStringAccountName(cs: string): string {
  const m = /(?:^|;)\s*AccountName=([^;]+)/i.exec(cs);
  if (m) return m[1].trim();
  const ep = /(?:^|;)\s*BlobEndpoint=https?:\/\/([^./;]+)/i.exec(cs);
  return ep ? ep[1] : 'account';
}

export function isStorageConnectionString(s: string): boolean {
  return /AccountKey=|SharedAccessSignature=/i.test(s);
}

export function isServiceBusConnectionString(s: string): boolean {
  return /(^|;)\s*Endpoint=sb:\/\//i.test(s);
}

/** Parse a storage account string: `devstoreaccount1`, a connection string, or an account name for Entra ID. */
export function parseAccount(value: string, env: AzuritePortEnv = process.env): AccountSpec {
  const v = value.trim();
  if (!v) throw new ConfigError('Storage account must not be empty.');
  if (v === AZURITE_ACCOUNT) return azuriteAccount(env);
  if (isStorageConnectionString(v)) {
    if (/AccountName=devstoreaccount1/i.test(v) && !/BlobEndpoint=/i.test(v)) return azuriteAccount(env);
    return { kind: 'connection-string', account: connectionStringAccountName(v), connectionString: v };
  }
  if (!/^[a-z0-9]{3,24}$/.test(v)) {
    throw new ConfigError(
      `Invalid storage account '${v}': expected an account name (3-24 lowercase letters and digits), ` +
        `'devstoreaccount1' for Azurite, or a connection string with AccountKey= or SharedAccessSignature=.`,
    );
  }
  return { kind: 'aad', account: v };
}

/** Parse the queues backend: a storage account string, `sb://namespace`, or a Service Bus connection string. */
export function parseQueuesBackend(value: string, env: AzuritePortEnv = process.env): QueuesSpec {
  const v = value.trim();
  if (isServiceBusConnectionString(v)) {
    const m = /Endpoint=sb:\/\/([^./;]+)/i.exec(v)!;
    return { kind: 'service-bus', namespace: m[1], connectionString: v };
  }
  if (v.startsWith('sb://')) {
    const ns = v.slice(5).split('/')[0].split('.')[0];
    if (!ns) throw new ConfigError(`Invalid Service Bus address '${v}': expected sb://<namespace>.`);
    return { kind: 'service-bus', namespace: ns, connectionString: null };
  }
  return { kind: 'storage', account: parseAccount(v, env) };
}

export interface QueueAddress {
  backend: QueuesSpec;
  /** Queue name on that backend. */
  name: string;
}

/**
 * Resolve a queue spec (reference §4.9): `name` → default backend; `account/name`; `sb://ns/name`;
 * `sb://ns` alone → queue named by the last path segment (the namespace).
 */
export function parseQueueAddress(
  spec: string,
  defaults: QueuesSpec,
  env: AzuritePortEnv = process.env,
): QueueAddress {
  const s = spec.trim();
  if (!s) throw new ConfigError('Queue name must not be empty.');
  if (s.startsWith('sb://')) {
    const rest = s.slice(5).replace(/\/+$/, '');
    const parts = rest.split('/');
    const ns = parts[0].split('.')[0];
    const name = parts.length > 1 ? parts.slice(1).join('/') : ns;
    const sameNs =
      defaults.kind === 'service-bus' && defaults.namespace === ns ? defaults.connectionString : null;
    return { backend: { kind: 'service-bus', namespace: ns, connectionString: sameNs }, name };
  }
  if (isStorageConnectionString(s) || isServiceBusConnectionString(s)) {
    throw new ConfigError(
      `Queue spec '${s.slice(0, 20)}…' looks like a connection string; use ACCOUNT/QUEUE or set --queues.`,
    );
  }
  const slash = s.lastIndexOf('/');
  if (slash < 0) return { backend: defaults, name: s };
  const account = s.slice(0, slash);
  const name = s.slice(slash + 1);
  if (!name) throw new ConfigError(`Queue spec '${s}' has no queue name after '/'.`);
  return { backend: { kind: 'storage', account: parseAccount(account, env) }, name };
}

/** Stable key identifying a backend (for pooling clients per account/namespace). */
export function backendKey(b: QueuesSpec): string {
  if (b.kind === 'service-bus') return `sb:${b.namespace}`;
  const a = b.account;
  if (a.kind === 'azurite') return `azurite:${a.host}:${a.queuePort}`;
  return `${a.kind}:${a.account}`;
}
