/**
 * SDK clients for an AccountSpec (reference §7.1): Azurite (well-known key on the given host/ports),
 * connection strings (AccountKey or SAS), and Entra ID (DefaultAzureCredential) for plain account names.
 */
import {
  BlobServiceClient,
  StorageSharedKeyCredential,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import type { AccountSpec } from '../../config/types.js';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../config/defaults.js';
import { STORAGE_RETRY } from './retry-options.js';
import { blobEndpoint } from './endpoints.js';
import { aadCredential } from './credential.js';

export { STORAGE_RETRY } from './retry-options.js';
export { createTableClient } from './table-client.js';
export {
  blobEndpoint,
  queueEndpoint,
  tableEndpoint,
  connectionStringPart,
  describeAccount,
} from './endpoints.js';

const BLOB_OPTIONS: StoragePipelineOptions = {
  retryOptions: { ...STORAGE_RETRY },
  keepAliveOptions: { enable: true },
};

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
