/** Resolved configuration types (reference §7.1). Built by `config/resolve.ts`. */

export type AccountSpec =
  | {
      kind: 'azurite';
      account: 'devstoreaccount1';
      host: string;
      blobPort: number;
      queuePort: number;
      tablePort: number;
    }
  | { kind: 'connection-string'; account: string; connectionString: string }
  | { kind: 'aad'; account: string };

export type QueuesSpec =
  | { kind: 'storage'; account: AccountSpec }
  | {
      kind: 'service-bus';
      /** Namespace short name (`<ns>.servicebus.windows.net`). */
      namespace: string;
      /** SAS connection string when given, else Entra ID (DefaultAzureCredential). */
      connectionString: string | null;
    };

export interface Target {
  storage: AccountSpec;
  prefix: string;
  /** Default backend for queue specs without an account part, and for the completion queue. */
  queues: QueuesSpec;
  /** File-output (stash) location. */
  blobs: { account: AccountSpec; container: string };
}

export type ValueSource = 'flag' | 'env' | 'file' | 'default';

export interface CoordinatorSettings {
  batchSize: number;
  visibilityTimeoutS: number;
  idleSleepS: number;
  /** Cap of the idle back-off (doubling from idleSleepS). */
  maxIdleSleepS: number;
  cancelPollIntervalS: number;
  flushRetryLimit: number;
  readySweepIntervalS: number;
  readyRepairThresholdS: number;
  runningTimeoutS: number | null;
  runningSweepIntervalS: number;
  activationSweepIntervalS: number;
  orphanSweepIntervalS: number;
  statsLogIntervalS: number;
  cacheMaxWorkflows: number;
  /** Bound on the tasks of all cached workflows together (engine memory ≈ 125 B/task). */
  cacheMaxTasks: number;
  maxRunningWorkflows: number | null;
  leaseDurationS: number;
  leaseRenewIntervalS: number;
  /** How often a standby coordinator retries acquiring the lease. */
  leaseAcquireIntervalS: number;
  /** Minimum seconds between index-row refreshes of a running workflow. */
  indexRefreshIntervalS: number;
  /** Max receives per batch cycle (reference: 64). */
  maxReceivesPerCycle: number;
  pushConcurrency: number;
  ackConcurrency: number;
  metricsPort: number | null;
  /** Port of the probe server (`/healthz`, `/readyz` only; no prom-client). */
  healthPort: number | null;
}
