/**
 * The process's Entra ID credential: a DefaultAzureCredential, loaded on the first token request so
 * that `@azure/identity` (and MSAL) are only imported by processes that use Entra ID.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';

let shared: TokenCredential | null = null;

/** One DefaultAzureCredential per process (it caches tokens), behind a lazy TokenCredential. */
export function aadCredential(): TokenCredential {
  if (shared) return shared;
  let real: Promise<TokenCredential> | null = null;
  shared = {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      real ??= import('@azure/identity').then((m) => new m.DefaultAzureCredential());
      return (await real).getToken(scopes, options);
    },
  };
  return shared;
}
