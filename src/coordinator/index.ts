/** The coordinator daemon (reference §5, DECISIONS §4). */
export {
  Coordinator,
  type CoordinatorOptions,
  type CoordinatorHooks,
  type CoordinatorRole,
} from './coordinator.js';
export { emptyStats, finalStatsLine, type CoordinatorStats, type LeaseState } from './stats.js';
export { coordinatorBanner } from './banner.js';
