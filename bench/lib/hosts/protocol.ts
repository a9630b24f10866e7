/** IPC messages between a benchmark and its coordinator/worker host processes. */
import type { AzuritePorts } from '../../../src/azurite/embedded.js';
import type { CoordinatorSettings } from '../../../src/config/types.js';
import type { TransactionCounts } from '../../../src/ports/queue.js';

export interface HostConfig {
  role: 'coordinator' | 'worker';
  ports: AzuritePorts;
  prefix: string;
  settings?: Partial<CoordinatorSettings>;
  queue?: string;
  /** Worker objects in this process. */
  workers?: number;
  concurrency?: number;
  processor?: 'noop' | 'sleep' | 'shell';
  maxIdleBackoffS?: number;
}

export type HostRequest = { cmd: 'report' } | { cmd: 'stop' };

export interface HostReport {
  type: 'report';
  role: HostConfig['role'];
  stats: Record<string, unknown>;
  transactions: TransactionCounts;
  cpuUs: NodeJS.CpuUsage;
  rssBytes: number;
}

export type HostMessage = HostReport | { type: 'ready' };
