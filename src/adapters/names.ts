/** The resource and blob names live in `wire/names.ts` (below `adapters/`); re-exported for existing importers. */
export * from '../wire/names.js';
