/** The state names live in `model/states.ts` (below `wire/`, which stores them); re-exported here for the engine's importers. */
export * from '../model/states.js';
