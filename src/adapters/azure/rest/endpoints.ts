/**
 * Lean-client endpoints of an AccountSpec: the same URLs and credentials the SDK clients use —
 * Azurite's well-known Shared Key, a connection string's AccountKey (Shared Key) or
 * SharedAccessSignature (SAS), and Entra ID (the process's DefaultAzureCredential) for a plain name.
 * One RestEndpoint per account and service (blob, queue, table) per process, so connections are shared.
 */
import type { AccountSpec } from '../../../config/types.js';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../../config/defaults.js';
import { ConfigError } from '../../../errors.js';
import { blobEndpoint, connectionStringPart, queueEndpoint, tableEndpoint } from '../endpoints.js';
import { aadCredential } from '../credential.js';
import { sharedKeyCredential, type StorageAuth } from './auth.js';
import { RestEndpoint, STORAGE_PROFILE, TABLE_PROFILE, type ServiceProfile } from './http.js';
import { STORAGE_RETRY } from '../retry-options.js';

/** How requests to `a` authenticate. */
export function authOf(a: AccountSpec): StorageAuth {
  if (a.kind === 'azurite')
    return { kind: 'shared-key', credential: sharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY) };
  if (a.kind === 'aad') return { kind: 'token', credential: aadCredential() };
  const key = connectionStringPart(a.connectionString, 'AccountKey');
  const name = connectionStringPart(a.connectionString, 'AccountName') ?? a.account;
  if (key) return { kind: 'shared-key', credential: sharedKeyCredential(name, key) };
  // The SAS token itself contains '=' signs: take everything after the first '=' of its part.
  const sasPart = a.connectionString.split(';').find((p) => /^\s*SharedAccessSignature=/i.test(p));
  if (sasPart) return { kind: 'sas', query: sasPart.slice(sasPart.indexOf('=') + 1).trim() };
  throw new ConfigError(
    `The connection string of storage account '${a.account}' has neither AccountKey= nor SharedAccessSignature=.`,
  );
}

const endpoints = new Map<string, RestEndpoint>();

function shared(url: string, a: AccountSpec, profile: ServiceProfile = STORAGE_PROFILE): RestEndpoint {
  // Keyed by URL and credential source, so two connection strings for one URL never share auth.
  const key = `${url}|${a.kind === 'connection-string' ? a.connectionString : a.kind}`;
  let ep = endpoints.get(key);
  if (!ep) {
    ep = new RestEndpoint(url, authOf(a), STORAGE_RETRY, profile);
    endpoints.set(key, ep);
  }
  return ep;
}

/** The blob service of `a`. */
export function blobRestEndpoint(a: AccountSpec): RestEndpoint {
  return shared(blobEndpoint(a), a);
}

/** The queue service of `a`. */
export function queueRestEndpoint(a: AccountSpec): RestEndpoint {
  return shared(queueEndpoint(a), a);
}

/** The table service of `a` (Shared Key Lite signing, the Table SDK's retry statuses). */
export function tableRestEndpoint(a: AccountSpec): RestEndpoint {
  return shared(tableEndpoint(a), a, TABLE_PROFILE);
}
