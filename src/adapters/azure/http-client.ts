/**
 * Which HTTP client talks to Blob, Queue and Table Storage: `lean` (default) is jobq's narrow client
 * over Node's http/https for exactly the calls jobq makes (`adapters/azure/rest/`); `sdk` is the Azure
 * SDK clients (`@azure/storage-blob`, `@azure/storage-queue`, `@azure/data-tables` for the index).
 * Both pass the same conformance suites. Chosen by `JOBQ_HTTP_CLIENT`.
 */
import { ConfigError } from '../../errors.js';

export type HttpClientChoice = 'lean' | 'sdk';
export const HTTP_CLIENT_ENV = 'JOBQ_HTTP_CLIENT';
export const DEFAULT_HTTP_CLIENT: HttpClientChoice = 'lean';

/** The configured client; an unknown value is a ConfigError naming the two choices. */
export function httpClientChoice(env: Record<string, string | undefined> = process.env): HttpClientChoice {
  const v = env[HTTP_CLIENT_ENV]?.trim().toLowerCase();
  if (!v) return DEFAULT_HTTP_CLIENT;
  if (v === 'lean' || v === 'sdk') return v;
  throw new ConfigError(
    `${HTTP_CLIENT_ENV} must be 'lean' (jobq's narrow HTTP client, the default) or 'sdk' (the Azure SDK clients), got '${env[HTTP_CLIENT_ENV]}'.`,
  );
}
