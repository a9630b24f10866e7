/** `workflow doctor`: store-derived health checks (reference §7.4 plus DECISIONS additions). */
import type { Backend } from '../ports/backend.js';
import type { IndexRow } from '../ports/index-store.js';
import { WorkflowRuntime } from '../engine/index.js';
import { listWithMore } from './text.js';
import { mapBounded } from './concurrency.js';
import { findOrphans } from './maintenance.js';
import type { DoctorCheck, DoctorReport, DoctorThresholds } from './types.js';

export const DEFAULT_DOCTOR_THRESHOLDS: Readonly<DoctorThresholds> = Object.freeze({
  stalePendingSec: 120,
  staleRunningMin: 60,
  staleReadyMin: 60,
});

const check = (
  name: string,
  status: DoctorCheck['status'],
  message: string,
  hint: string | null = null,
): DoctorCheck => ({
  name,
  status,
  message,
  hint,
});

const minutesSince = (iso: string, now: number) => (now - Date.parse(iso)) / 60_000;

/** Run every storage check; `preliminary` (e.g. the config check) is listed first. */
export async function runDoctor(
  backend: Backend,
  thresholds: DoctorThresholds,
  now: number,
  preliminary: DoctorCheck[] = [],
): Promise<DoctorReport> {
  const checks = [...preliminary];
  let rows: IndexRow[];
  try {
    rows = await backend.index.list();
    checks.push(
      check('Workflow store', 'pass', `reachable (prefix=${backend.prefix}, ${rows.length} workflow(s))`),
    );
  } catch (err) {
    checks.push(
      check(
        'Workflow store',
        'fail',
        `unreachable: ${String((err as Error).message ?? err)}`,
        'Check the storage account name and your access (az login, or the connection string).',
      ),
    );
    return finish(checks);
  }
  const active = rows.filter((r) => ['pending', 'running', 'cancelling'].includes(r.workflowState));
  checks.push(await completionQueueCheck(backend, now));
  checks.push(await leaseCheck(backend, active.length));
  checks.push(pendingCheck(rows, thresholds, now));
  checks.push(...(await runningAndReadyChecks(backend, rows, thresholds, now)));
  checks.push(await orphanCheck(backend, now));
  checks.push(
    check(
      'Poison messages',
      'info',
      'not visible in storage: Storage Queues have no dead-letter queue; the coordinator removes and counts poison completions (see its stats line and /metrics).',
    ),
  );
  return finish(checks);
}

function finish(checks: DoctorCheck[]): DoctorReport {
  const summary = { pass: 0, warn: 0, fail: 0, info: 0 };
  for (const c of checks) summary[c.status]++;
  return { checks, summary };
}

async function completionQueueCheck(backend: Backend, now: number): Promise<DoctorCheck> {
  const q = backend.completions;
  try {
    const [depth, oldest] = await Promise.all([q.approximateDepth(), q.oldestMessageAt()]);
    const age = oldest === null ? null : Math.max(0, Math.round((now - oldest) / 1000));
    const msg = `reachable: ${q.name}; depth ${depth}${age === null ? '' : `, oldest message ${age}s old`}`;
    if (age !== null && age > 300) {
      return check(
        'Completion queue',
        'warn',
        msg,
        'Completions are not being drained: is a coordinator running for this prefix?',
      );
    }
    return check('Completion queue', 'pass', msg);
  } catch (err) {
    return check(
      'Completion queue',
      'fail',
      `cannot open ${q.name}: ${String((err as Error).message ?? err)}`,
      'Workers report task results on this queue and the coordinator drains it; check the queues backend (--queues).',
    );
  }
}

async function leaseCheck(backend: Backend, activeCount: number): Promise<DoctorCheck> {
  try {
    const st = await backend.lease.status();
    if (st.state === 'leased') {
      const h = st.holder;
      const who = h
        ? [
            h.coordinatorId,
            h.host && `host ${h.host}`,
            h.pid && `pid ${h.pid}`,
            h.startedAt && `since ${h.startedAt}`,
          ]
            .filter(Boolean)
            .join(', ')
        : '';
      return check('Coordinator lease', 'pass', `held${who ? ` by ${who}` : ''}`);
    }
    const msg = `not held (${st.state})`;
    return activeCount > 0
      ? check(
          'Coordinator lease',
          'warn',
          `${msg} while ${activeCount} workflow(s) are active`,
          'Start one: jobq workflow coordinator',
        )
      : check('Coordinator lease', 'info', `${msg}; no active workflows`);
  } catch (err) {
    return check('Coordinator lease', 'warn', `cannot read lease: ${String((err as Error).message ?? err)}`);
  }
}

function pendingCheck(rows: IndexRow[], t: DoctorThresholds, now: number): DoctorCheck {
  const stale = rows.filter(
    (r) => r.workflowState === 'pending' && (now - Date.parse(r.createdAt)) / 1000 > t.stalePendingSec,
  );
  if (stale.length === 0) return check('Pending workflows', 'pass', `none older than ${t.stalePendingSec}s`);
  return check(
    'Pending workflows',
    'warn',
    `${stale.length} pending longer than ${t.stalePendingSec}s: ${listWithMore(stale.map((r) => r.workflowId))}`,
    'The coordinator admits pending workflows (activation sweep every 10 s); start one with `jobq workflow coordinator`, or check --max-running-workflows.',
  );
}

async function runningAndReadyChecks(
  backend: Backend,
  rows: IndexRow[],
  t: DoctorThresholds,
  now: number,
): Promise<DoctorCheck[]> {
  const live = rows.filter((r) => r.workflowState === 'running' || r.workflowState === 'cancelling');
  const staleRunning: string[] = [];
  const staleReady: string[] = [];
  const perQueue = new Map<string, number>();
  await mapBounded(live, 20, async (row) => {
    const stored = await backend.state.load(row.workflowId).catch(() => null);
    if (!stored) return;
    const rt = WorkflowRuntime.fromDocs(stored.def, stored.state);
    let ready = 0;
    for (const task of rt.taskStatuses()) {
      if (task.status === 'running') {
        perQueue.set(task.queue, (perQueue.get(task.queue) ?? 0) + 1);
        if (task.started_at && minutesSince(task.started_at, now) > t.staleRunningMin) {
          staleRunning.push(
            `${row.workflowId}/${task.name} (${Math.floor(minutesSince(task.started_at, now))}m)`,
          );
        }
      } else if (task.status === 'ready') ready++;
    }
    if (ready > 0 && minutesSince(rt.updatedAt, now) > t.staleReadyMin) {
      staleReady.push(
        `${row.workflowId} (${ready} task(s), ${Math.floor(minutesSince(rt.updatedAt, now))}m)`,
      );
    }
  });
  const out: DoctorCheck[] = [
    staleRunning.length === 0
      ? check('Running tasks', 'pass', `none running longer than ${t.staleRunningMin}m`)
      : check(
          'Running tasks',
          'warn',
          `${staleRunning.length} running longer than ${t.staleRunningMin}m: ${listWithMore(staleRunning)}`,
          'Check the workers of those queues; set timeout_s on tasks so the running sweep can fail them.',
        ),
    staleReady.length === 0
      ? check('Ready tasks', 'pass', `no workflow idle with ready tasks for over ${t.staleReadyMin}m`)
      : check(
          'Ready tasks',
          'warn',
          `${staleReady.length} workflow(s) with ready tasks idle for over ${t.staleReadyMin}m: ${listWithMore(staleReady)}`,
          'Are workers running on those queues? The coordinator re-dispatches stale ready tasks (ready-repair sweep).',
        ),
  ];
  if (perQueue.size > 0) {
    out.push(check('Active queues', 'info', [...perQueue].map(([q, n]) => `${q}: ${n}`).join(', ')));
  }
  return out;
}

async function orphanCheck(backend: Backend, now: number): Promise<DoctorCheck> {
  try {
    const orphans = await findOrphans(backend, now);
    if (orphans.length === 0) return check('Orphan blobs', 'pass', 'every workflow blob has an index row');
    return check(
      'Orphan blobs',
      'warn',
      `${orphans.length} workflow(s) have blobs but no index row: ${listWithMore(orphans.map((o) => o.workflowId))}`,
      'Left by an interrupted submit; remove them with `jobq workflow purge --orphans`.',
    );
  } catch (err) {
    return check('Orphan blobs', 'warn', `could not scan: ${String((err as Error).message ?? err)}`);
  }
}
