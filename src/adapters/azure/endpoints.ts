/**
 * Service endpoints and connection-string parts of an AccountSpec, without loading any SDK (the lean
 * client and the SDK clients both start from these).
 */
import type { AccountSpec } from '../../config/types.js';
import { AZURITE_ACCOUNT } from '../../config/defaults.js';
import { redactSecrets } from '../../log.js';

/** One `Key=value` part of a storage connection string (case-insensitive key), trimmed. */
export function connectionStringPart(cs: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${key}=([^;]+)`, 'i').exec(cs);
  return m?.[1].trim();
}

function endpointOf(a: AccountSpec, service: 'blob' | 'queue' | 'table', port: number): string {
  if (a.kind === 'azurite') return `http://${a.host}:${port}/${AZURITE_ACCOUNT}`;
  const name = `${service[0].toUpperCase()}${service.slice(1)}Endpoint`;
  if (a.kind === 'connection-string') {
    const ep = connectionStringPart(a.connectionString, name);
    if (ep) return ep.replace(/\/+$/, '');
    const suffix = connectionStringPart(a.connectionString, 'EndpointSuffix') ?? 'core.windows.net';
    const protocol = connectionStringPart(a.connectionString, 'DefaultEndpointsProtocol') ?? 'https';
    return `${protocol}://${a.account}.${service}.${suffix}`;
  }
  return `https://${a.account}.${service}.core.windows.net`;
}

/** Blob endpoint URL of an account (no secrets). */
export function blobEndpoint(a: AccountSpec): string {
  return endpointOf(a, 'blob', a.kind === 'azurite' ? a.blobPort : 0);
}

/** Queue endpoint URL of an account (no secrets). */
export function queueEndpoint(a: AccountSpec): string {
  return endpointOf(a, 'queue', a.kind === 'azurite' ? a.queuePort : 0);
}

/** Table endpoint URL of an account (no secrets). */
export function tableEndpoint(a: AccountSpec): string {
  return endpointOf(a, 'table', a.kind === 'azurite' ? a.tablePort : 0);
}

/** Human name of an account for messages and banners (never contains a key). */
export function describeAccount(a: AccountSpec): string {
  if (a.kind === 'azurite') return `${AZURITE_ACCOUNT} (Azurite ${a.host}:${a.blobPort})`;
  return redactSecrets(a.account);
}
