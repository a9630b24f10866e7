/**
 * SDK clients for an AccountSpec (reference §7.1): Azurite (well-known key on the given host/ports),
 * connection strings (AccountKey or SAS), and Entra ID (DefaultAzureCredential) for plain account names.
 */
import {
  BlobServiceClient,
  StorageSharedKeyCredential,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { AzureNamedKeyCredential, TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { AccountSpec } from '../../config/types.js';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../config/defaults.js';
import { redactSecrets } from '../../log.js';

/**
 * Retries tolerate Azurite's GC stalls (seconds, research/azurite-limits.md §7) without hanging forever:
 * a few tries with exponential back-off, each try bounded.
 */
export const STORAGE_RETRY = Object.freeze({
  maxTries: 4,
  tryTimeoutInMs: 60_000,
  retryDelayInMs: 200,
  maxRetryDelayInMs: 5_000,
});

const BLOB_OPTIONS: StoragePipelineOptions = {
  retryOptions: { ...STORAGE_RETRY },
  keepAliveOptions: { enable: true },
};
const TABLE_OPTIONS: TableServiceClientOptions = {
  retryOptions: {
    maxRetries: STORAGE_RETRY.maxTries - 1,
    retryDelayInMs: STORAGE_RETRY.retryDelayInMs,
    maxRetryDelayInMs: STORAGE_RETRY.maxRetryDelayInMs,
  },
};

let sharedCredential: TokenCredential | null = null;
/** One DefaultAzureCredential per process (it caches tokens). */
function aadCredential(): TokenCredential {
  sharedCredential ??= new DefaultAzureCredential();
  return sharedCredential;
}

function connectionStringPart(cs: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${key}=([^;]+)`, 'i').exec(cs);
  return m?.[1].trim();
}

/** Blob endpoint URL of an account (no secrets). */
export function blobEndpoint(a: AccountSpec): string {
  if (a.kind === 'azurite') return `http://${a.host}:${a.blobPort}/${AZURITE_ACCOUNT}`;
  if (a.kind === 'connection-string') {
    const ep = connectionStringPart(a.connectionString, 'BlobEndpoint');
    if (ep) return ep.replace(/\/+$/, '');
    const suffix = connectionStringPart(a.connectionString, 'EndpointSuffix') ?? 'core.windows.net';
    return `https://${a.account}.blob.${suffix}`;
  }
  return `https://${a.account}.blob.core.windows.net`;
}

/** Table endpoint URL of an account (no secrets). */
export function tableEndpoint(a: AccountSpec): string {
  if (a.kind === 'azurite') return `http://${a.host}:${a.tablePort}/${AZURITE_ACCOUNT}`;
  if (a.kind === 'connection-string') {
    const ep = connectionStringPart(a.connectionString, 'TableEndpoint');
    if (ep) return ep.replace(/\/+$/, '');
    const suffix = connectionStringPart(a.connectionString, 'EndpointSuffix') ?? 'core.windows.net';
    return `https://${a.account}.table.${suffix}`;
  }
  return `https://${a.account}.table.core.windows.net`;
}

/** Build a BlobServiceClient for the account. */
export function createBlobServiceClient(a: AccountSpec): BlobServiceClient {
  if (a.kind === 'azurite') {
    const cred = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY);
    return new BlobServiceClient(blobEndpoint(a), cred, BLOB_OPTIONS);
  }
  if (a.kind === 'connection-string')
    return BlobServiceClient.fromConnectionString(a.connectionString, BLOB_OPTIONS);
  return new BlobServiceClient(blobEndpoint(a), aadCredential(), BLOB_OPTIONS);
}

/** Build a TableClient for one table of the account. */
export function createTableClient(a: AccountSpec, table: string): TableClient {
  if (a.kind === 'azurite') {
    const cred = new AzureNamedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY);
    return new TableClient(tableEndpoint(a), table, cred, {
      ...TABLE_OPTIONS,
      allowInsecureConnection: true,
    });
  }
  if (a.kind === 'connection-string') {
    const insecure = /^http:/i.test(tableEndpoint(a));
    return TableClient.fromConnectionString(a.connectionString, table, {
      ...TABLE_OPTIONS,
      allowInsecureConnection: insecure,
    });
  }
  return new TableClient(tableEndpoint(a), table, aadCredential(), TABLE_OPTIONS);
}

/** Human name of an account for messages and banners (never contains a key). */
export function describeAccount(a: AccountSpec): string {
  if (a.kind === 'azurite') return `${AZURITE_ACCOUNT} (Azurite ${a.host}:${a.blobPort})`;
  return redactSecrets(a.account);
}
