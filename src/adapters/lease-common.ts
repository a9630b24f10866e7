/** Lease helpers shared by the Azure and memory adapters: duration bounds, messages, holder metadata. */
import { ConfigError, LeaseHeldError } from '../errors.js';
import type { JobqLeaseMark, LeaseHolderInfo } from '../ports/lease.js';
import { JOBQ_VERSION } from '../version.js';

/** Azure accepts fixed leases of 15–60 s. */
export const MIN_LEASE_S = 15;
export const MAX_LEASE_S = 60;

export function checkLeaseDuration(durationS: number): void {
  if (!Number.isInteger(durationS) || durationS < MIN_LEASE_S || durationS > MAX_LEASE_S) {
    throw new ConfigError(
      `Lease duration must be a whole number of seconds from 15 to 60, got ${durationS}.`,
    );
  }
}

function describeHolder(h: LeaseHolderInfo | null): string {
  if (!h || (!h.host && h.pid === null && !h.coordinatorId)) return '';
  const who = [
    h.coordinatorId ? `coordinator ${h.coordinatorId}` : null,
    h.host ? `on ${h.host}` : null,
    h.pid !== null ? `pid ${h.pid}` : null,
  ]
    .filter(Boolean)
    .join(' ');
  return ` It is held by ${who}${h.startedAt ? ` (started ${h.startedAt})` : ''}.`;
}

/** The reference §5.3 refusal, naming the prefix, the holder when known, and how to break the lease. */
export function leaseHeldError(
  prefix: string,
  durationS: number,
  holder: LeaseHolderInfo | null,
): LeaseHeldError {
  return new LeaseHeldError(
    `Another coordinator is already running for prefix '${prefix}'. Only one coordinator process per prefix is allowed.` +
      describeHolder(holder) +
      ` If the previous coordinator crashed, the lease will expire within ${durationS}s and a new coordinator can start;` +
      ' to take over now, run `jobq workflow break-lease` or start the coordinator with --break-lease.',
  );
}

/** Metadata keys of the jobq mark (DECISIONS §4.16): the version, and the lease duration it is kept for. */
const MARK_VERSION = 'jobq';
const MARK_LEASE_S = 'jobqleaseseconds';
/** Set by a holder that is stopping and about to release (issue 17): standbys then poll fast. */
const MARK_RELEASING = 'jobqreleasing';

/**
 * Holder info as blob metadata (keys must be valid C# identifiers; values strings), with the jobq mark
 * when `durationS` is given (a jobq coordinator's acquire and mark refreshes).
 */
export function holderToMetadata(
  h: LeaseHolderInfo,
  durationS?: number,
  releasing = false,
): Record<string, string> {
  const md: Record<string, string> = {};
  if (durationS !== undefined) {
    md[MARK_VERSION] = JOBQ_VERSION;
    md[MARK_LEASE_S] = String(durationS);
    if (releasing) md[MARK_RELEASING] = '1';
  }
  if (h.coordinatorId) md.coordinatorid = h.coordinatorId;
  if (h.host) md.host = h.host;
  if (h.pid !== null) md.pid = String(h.pid);
  if (h.startedAt) md.startedat = h.startedAt;
  return md;
}

export function holderFromMetadata(md: Record<string, string> | undefined): LeaseHolderInfo | null {
  if (!md || Object.keys(md).length === 0) return null;
  const pid = md.pid !== undefined ? Number(md.pid) : NaN;
  return {
    coordinatorId: md.coordinatorid ?? null,
    host: md.host ?? null,
    pid: Number.isInteger(pid) ? pid : null,
    startedAt: md.startedat ?? null,
  };
}

/** Metadata without the jobq mark (written on release: holder info stays for `doctor`). */
export function unmarkedMetadata(md: Record<string, string> | undefined): Record<string, string> {
  const { [MARK_VERSION]: _v, [MARK_LEASE_S]: _d, [MARK_RELEASING]: _r, ...rest } = md ?? {};
  return rest;
}

/**
 * The jobq mark of a lock blob's metadata, judged current when it was written at most two lease
 * durations before `nowMs` (both times from the same clock: the storage service's for Azure).
 */
export function markFromMetadata(
  md: Record<string, string> | undefined,
  markedAtMs: number | null,
  nowMs: number,
): JobqLeaseMark | null {
  const version = md?.[MARK_VERSION];
  if (!version) return null;
  const durationS = Number(md[MARK_LEASE_S]);
  const validS = 2 * (Number.isFinite(durationS) && durationS > 0 ? durationS : MAX_LEASE_S);
  const current = markedAtMs !== null && nowMs - markedAtMs <= validS * 1000;
  return md[MARK_RELEASING] ? { version, current, releasing: true } : { version, current };
}

/** How often a holder rewrites its mark: every half lease duration. */
export function markRefreshMs(durationS: number): number {
  return (durationS * 1000) / 2;
}
