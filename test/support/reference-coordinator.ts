/**
 * A stand-in for the reference (Python ai4s-jobq) coordinator, as far as a jobq `submit` can tell it
 * apart: it holds `_coordinator.lock` with a plain 60 s blob lease and writes no metadata (reference
 * §5.3), and it drains the completion queue the way reference §5.4/§2.4 describe. Every message is
 * parsed as a completion (`__completion_body`, else the kwargs); a task name the definition does not
 * know is an ignored duplicate, but the workflow is still recomputed — a `ready` root counts as
 * "dispatched or done", so a `pending` workflow becomes `running` — flushed under If-Match and acked.
 * It never pushes roots: in the reference that is the client's job (§5.2 "no activation pass"), and
 * its ready-repair sweep (every 60 s, rows idle > 300 s) is far outside any test's patience.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { QueueClient } from '@azure/storage-queue';
import { gzipSync } from 'node:zlib';
import { resourceNames } from '../../src/adapters/names.js';
import { createBlobServiceClient } from '../../src/adapters/azure/clients.js';
import { createQueueServiceClient } from '../../src/adapters/azure/storage-queue.js';
import { azuriteAccount } from './azurite.js';
import { referenceDecodeBlob } from './reference-reader.js';

/** One message as the stand-in understood it. */
export interface SeenMessage {
  workflowId: string;
  taskName: string;
  /** The reference's `apply_completion` verdict: unknown task names are ignored duplicates. */
  ignored: boolean;
}

export class ReferenceCoordinator {
  readonly seen: SeenMessage[] = [];
  private readonly container: ContainerClient;
  private readonly queue: QueueClient;
  private leaseId: string | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;

  constructor(readonly prefix: string) {
    const names = resourceNames(prefix);
    this.container = createBlobServiceClient(azuriteAccount()).getContainerClient(names.stateContainer);
    this.queue = createQueueServiceClient(azuriteAccount()).getQueueClient(names.completionQueue);
  }

  /** Create the lock blob if missing, take the lease (no metadata), start draining. */
  async start(): Promise<void> {
    await this.container.createIfNotExists();
    await this.queue.createIfNotExists();
    const blob = this.container.getBlockBlobClient('_coordinator.lock');
    await blob.upload(Buffer.alloc(0), 0, { conditions: { ifNoneMatch: '*' } }).catch(() => undefined);
    const lease = await blob.getBlobLeaseClient().acquireLease(60);
    this.leaseId = lease.leaseId ?? null;
    this.loop = this.drain();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    if (this.leaseId)
      await this.container
        .getBlockBlobClient('_coordinator.lock')
        .getBlobLeaseClient(this.leaseId)
        .releaseLease();
  }

  private async drain(): Promise<void> {
    while (!this.stopping) {
      const r = await this.queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
      for (const m of r.receivedMessageItems) {
        await this.handle(m.messageText);
        await this.queue.deleteMessage(m.messageId, m.popReceipt);
      }
      if (r.receivedMessageItems.length === 0) await new Promise((res) => setTimeout(res, 100));
    }
  }

  private async handle(text: string): Promise<void> {
    const envelope = JSON.parse(text) as { kwargs: string };
    const kwargs = JSON.parse(envelope.kwargs) as Record<string, unknown>;
    const body =
      typeof kwargs.__completion_body === 'string' && kwargs.__completion_body
        ? (JSON.parse(kwargs.__completion_body) as Record<string, unknown>)
        : kwargs;
    const workflowId = String(body.workflow_id);
    const taskName = String(body.task_name);
    const defBlob = this.container.getBlockBlobClient(`${workflowId}.def.bin`);
    const stateBlob = this.container.getBlockBlobClient(`${workflowId}.state.bin`);
    const [def, state] = await Promise.all([defBlob.downloadToBuffer(), stateBlob.downloadToBuffer()]);
    const props = await stateBlob.getProperties();
    const defDoc = referenceDecodeBlob(def);
    const stateDoc = referenceDecodeBlob(state);
    const known = taskName in (defDoc.tasks as Record<string, unknown>);
    this.seen.push({ workflowId, taskName, ignored: !known });
    if (known) return; // real completions are not what these tests exercise
    // Reference §2.7: a ready (or running, or finished) task makes a pending workflow `running`.
    const tasks = (stateDoc.tasks ?? {}) as Record<string, { state?: string }>;
    const dispatchedOrDone = Object.values(tasks).some((t) => (t.state ?? 'pending') !== 'pending');
    if (stateDoc.workflow_state === 'pending' && dispatchedOrDone) {
      const next = gzipSync(Buffer.from(JSON.stringify({ ...stateDoc, workflow_state: 'running' })), {
        level: 1,
      });
      await stateBlob.upload(next, next.length, { conditions: { ifMatch: props.etag } });
    }
  }
}
