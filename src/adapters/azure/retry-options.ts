/**
 * Retries tolerate Azurite's GC stalls (seconds, research/azurite-limits.md §7) without hanging forever:
 * a few tries with exponential back-off, each try bounded. Used by the SDK clients and the lean client.
 */
export const STORAGE_RETRY = Object.freeze({
  maxTries: 4,
  tryTimeoutInMs: 60_000,
  retryDelayInMs: 200,
  maxRetryDelayInMs: 5_000,
});
