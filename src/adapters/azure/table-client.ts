/** The SDK TableClient of one table of an account (the index store's client, under either HTTP client). */
import { AzureNamedKeyCredential, TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { AccountSpec } from '../../config/types.js';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../config/defaults.js';
import { STORAGE_RETRY } from './retry-options.js';
import { tableEndpoint } from './endpoints.js';
import { aadCredential } from './credential.js';

const TABLE_OPTIONS: TableServiceClientOptions = {
  retryOptions: {
    maxRetries: STORAGE_RETRY.maxTries - 1,
    retryDelayInMs: STORAGE_RETRY.retryDelayInMs,
    maxRetryDelayInMs: STORAGE_RETRY.maxRetryDelayInMs,
  },
};

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
