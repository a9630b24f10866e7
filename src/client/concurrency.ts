/** `mapBounded` lives in `src/concurrency.ts` (adapters use it too); re-exported for the client's importers. */
export * from '../concurrency.js';
