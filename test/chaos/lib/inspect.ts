/**
 * An independent reader of what jobq left in storage (reference §4.1–4.4), written against the wire
 * formats rather than jobq's own adapters so a codec bug cannot hide itself: every blob must gunzip
 * and parse, every workflow must have an index row that agrees with its state blob.
 */
import { gunzipSync } from 'node:zlib';
import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';

export interface WorkflowSnapshot {
  workflowId: string;
  name: string;
  workflowState: string;
  indexState: string | null;
  tasks: Record<string, string>;
}

export interface StorageSnapshot {
  workflows: WorkflowSnapshot[];
  /** Blobs that did not decode (name: error). */
  undecodable: string[];
  /** Workflows with a definition blob but no state blob, or the reverse. */
  incomplete: string[];
}

/** Decodes a stored document: gzip by magic bytes, else plain JSON (reference §4.2). */
export function decodeDoc(buf: Buffer): unknown {
  const raw = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf;
  return JSON.parse(raw.toString('utf8')) as unknown;
}

interface DefDoc {
  v: number;
  workflow_id: string;
  name: string;
  tasks: Record<string, unknown>;
}
interface StateDoc {
  v: number;
  workflow_id: string;
  workflow_state: string;
  tasks: Record<string, { state?: string }>;
}

async function readIndex(connectionString: string, prefix: string): Promise<Map<string, string>> {
  const table = TableClient.fromConnectionString(connectionString, `${prefix}WorkflowsIndex`, {
    allowInsecureConnection: true,
  });
  const states = new Map<string, string>();
  try {
    for await (const row of table.listEntities<{ workflow_state?: string }>()) {
      states.set(String(row.rowKey), String(row.workflow_state ?? 'pending'));
    }
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  return states;
}

/** Reads every definition and state blob and index row of `prefix`. */
export async function snapshotStorage(connectionString: string, prefix: string): Promise<StorageSnapshot> {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(
    `${prefix.toLowerCase()}-workflows`,
  );
  const defs = new Map<string, DefDoc>();
  const states = new Map<string, StateDoc>();
  const undecodable: string[] = [];
  for await (const item of container.listBlobsFlat()) {
    const isDef = item.name.endsWith('.def.bin');
    const isState = item.name.endsWith('.state.bin');
    if (!isDef && !isState && !item.name.endsWith('.json')) continue;
    try {
      const doc = decodeDoc(await container.getBlobClient(item.name).downloadToBuffer()) as DefDoc & StateDoc;
      if (doc.v !== 1 || typeof doc.workflow_id !== 'string' || typeof doc.tasks !== 'object')
        throw new Error('not a v1 document');
      if (isDef) defs.set(doc.workflow_id, doc);
      if (isState) states.set(doc.workflow_id, doc);
    } catch (err) {
      undecodable.push(`${item.name}: ${(err as Error).message}`);
    }
  }
  const index = await readIndex(connectionString, prefix);
  const incomplete: string[] = [];
  const workflows: WorkflowSnapshot[] = [];
  for (const [id, def] of defs) {
    const state = states.get(id);
    if (!state) {
      incomplete.push(`${id}: no state blob`);
      continue;
    }
    const tasks: Record<string, string> = {};
    for (const name of Object.keys(def.tasks)) tasks[name] = state.tasks[name]?.state ?? 'pending';
    workflows.push({
      workflowId: id,
      name: def.name,
      workflowState: state.workflow_state,
      indexState: index.get(id) ?? null,
      tasks,
    });
  }
  for (const id of states.keys()) if (!defs.has(id)) incomplete.push(`${id}: no definition blob`);
  return { workflows, undecodable, incomplete };
}

/** Approximate message counts of every queue in the account (what is left over at the end). */
export async function queueDepths(connectionString: string): Promise<Record<string, number>> {
  const service = QueueServiceClient.fromConnectionString(connectionString);
  const depths: Record<string, number> = {};
  for await (const q of service.listQueues()) {
    const props = await service.getQueueClient(q.name).getProperties();
    depths[q.name] = props.approximateMessagesCount ?? 0;
  }
  return depths;
}
