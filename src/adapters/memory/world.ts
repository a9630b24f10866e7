/**
 * One in-process "storage account": blob containers, tables and a queue broker, shared by the
 * coordinator and workers of `run-local --backend memory` and by unit tests. Time is injectable so
 * lease expiry can be tested without waiting.
 */
import { MemoryBroker } from './queue.js';

export interface MemoryLease {
  id: string;
  /** Epoch ms when the lease lapses. */
  expiresAt: number;
  /** Set by break(): the lease is broken and can be re-acquired by anyone. */
  broken: boolean;
}

export interface MemoryBlob {
  bytes: Buffer;
  etag: string;
  metadata: Record<string, string>;
  /** When the metadata was last set (the world's clock), like Azure's Last-Modified. */
  markedAt?: number;
  lease?: MemoryLease;
}

export interface MemoryBlobService {
  containers: Map<string, Map<string, MemoryBlob>>;
  nextEtag(): string;
}

/** A row as stored in a memory table: plain column values. */
export type MemoryTableRow = Record<string, unknown>;

export interface MemoryWorld {
  readonly blobs: MemoryBlobService;
  /** table name → `${PartitionKey}\u0000${RowKey}` → row */
  readonly tables: Map<string, Map<string, MemoryTableRow>>;
  readonly broker: MemoryBroker;
  /** Clock used for lease expiry (replace in tests to move time forward). */
  now: () => number;
}

/** A fresh, empty world. */
export function createMemoryWorld(): MemoryWorld {
  let etagSeq = 0;
  return {
    blobs: {
      containers: new Map(),
      nextEtag: () => `"0x${(++etagSeq).toString(16).toUpperCase().padStart(15, '0')}"`,
    },
    tables: new Map(),
    broker: new MemoryBroker(),
    now: () => Date.now(),
  };
}
