/**
 * Raw Azurite ceilings measured with the real SDKs (method of research/azurite-limits.md §3): the
 * figures every coordinator/e2e number is read against. Each probe is bounded in time and removes the
 * queue or container it created.
 */
import { randomBytes } from 'node:crypto';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { BlobServiceClient, type BlockBlobClient } from '@azure/storage-blob';
import { runPool, Semaphore } from './pool.js';

/**
 * JIT warm-up on a throwaway queue: 200 sends, receives and deletes. Kept small on purpose: every
 * message leaves an extent for in-memory Azurite's GC, and extra messages in the account slow every
 * later receive (research/azurite-limits.md §2, §7).
 */
export async function warmUpAzurite(connectionString: string): Promise<void> {
  const queue = queueService(connectionString).getQueueClient(probeQueueName('warmup'));
  await queue.createIfNotExists();
  try {
    await prefillQueue(queue, 200);
    for (;;) {
      const res = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
      if (res.receivedMessageItems.length === 0) break;
      await Promise.all(res.receivedMessageItems.map((m) => queue.deleteMessage(m.messageId, m.popReceipt)));
    }
  } finally {
    await queue.deleteIfExists().catch(() => undefined);
  }
}

/** Result of a receive+delete drain. */
export interface DrainResult {
  /** Messages deleted per second over the drain window. */
  perS: number;
  drained: number;
  seconds: number;
  depth: number;
  /** True if the queue emptied before the time bound. */
  emptied: boolean;
}

export interface DrainOptions {
  connectionString: string;
  /** Messages prefilled before the drain starts. */
  depth: number;
  /** Concurrent deletes in flight (a coordinator overlaps its acks). Default 16. */
  deleteConcurrency?: number;
  /** Drain stops after this long even if the queue is not empty. Default 30 s. */
  maxDurationMs?: number;
  /** Message body size in bytes. Default 300 (a completion envelope is about that size). */
  messageBytes?: number;
  /** Queue to use; default a fresh random name, deleted afterwards. */
  queueName?: string;
}

/** Queue name that is valid for Storage Queues and unique enough for a shared Azurite. */
export function probeQueueName(tag: string): string {
  return `ceiling-${tag}-${randomBytes(4).toString('hex')}`;
}

function queueService(connectionString: string): QueueServiceClient {
  return QueueServiceClient.fromConnectionString(connectionString);
}

/** Sends `count` messages at concurrency 64 (prefill for a drain). */
export async function prefillQueue(queue: QueueClient, count: number, messageBytes = 300): Promise<void> {
  const body = 'x'.repeat(messageBytes);
  let next = 0;
  await runPool(64, async () => {
    while (next < count) {
      next++;
      await queue.sendMessage(body);
    }
  });
}

/**
 * Prefills a queue with `depth` messages, then drains it the way a coordinator would: one receive loop
 * of 32 messages with up to `deleteConcurrency` deletes in flight, the next receive issued as soon as
 * every message of the current batch holds a delete slot (so receives and deletes overlap).
 */
export async function measureDrain(opts: DrainOptions): Promise<DrainResult> {
  const queue = queueService(opts.connectionString).getQueueClient(opts.queueName ?? probeQueueName('drain'));
  await queue.createIfNotExists();
  try {
    await prefillQueue(queue, opts.depth, opts.messageBytes ?? 300);
    const deletes = new Semaphore(opts.deleteConcurrency ?? 16);
    const deadline = Date.now() + (opts.maxDurationMs ?? 30_000);
    const started = performance.now();
    let drained = 0;
    let emptied = false;
    const inflight = new Set<Promise<void>>();
    while (Date.now() < deadline) {
      const res = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
      if (res.receivedMessageItems.length === 0) {
        emptied = true;
        break;
      }
      for (const m of res.receivedMessageItems) {
        await deletes.acquire();
        const p = queue
          .deleteMessage(m.messageId, m.popReceipt)
          .then(() => {
            drained++;
          })
          .finally(() => {
            deletes.release();
            inflight.delete(p);
          });
        inflight.add(p);
      }
    }
    await Promise.all(inflight);
    const seconds = (performance.now() - started) / 1000;
    return { perS: drained / seconds, drained, seconds, depth: opts.depth, emptied };
  } finally {
    await queue.deleteIfExists().catch(() => undefined);
  }
}

export interface SendOptions {
  connectionString: string;
  concurrency?: number;
  durationMs?: number;
  messageBytes?: number;
}

/** `sendMessage` throughput at a given concurrency over a fixed window (default 16, 10 s, 300 B). */
export async function measureSend(
  opts: SendOptions,
): Promise<{ perS: number; sent: number; seconds: number }> {
  const queue = queueService(opts.connectionString).getQueueClient(probeQueueName('send'));
  await queue.createIfNotExists();
  try {
    const body = 'x'.repeat(opts.messageBytes ?? 300);
    const durationMs = opts.durationMs ?? 10_000;
    const started = performance.now();
    const stopAt = started + durationMs;
    let sent = 0;
    await runPool(opts.concurrency ?? 16, async () => {
      while (performance.now() < stopAt) {
        await queue.sendMessage(body);
        sent++;
      }
    });
    const seconds = (performance.now() - started) / 1000;
    return { perS: sent / seconds, sent, seconds };
  } finally {
    await queue.deleteIfExists().catch(() => undefined);
  }
}

export interface CasOptions {
  connectionString: string;
  /** Blob size in bytes (5 KB state blob, 1.4 MB = the reference's 16k-task state blob). */
  bytes: number;
  durationMs?: number;
}

/**
 * Read-modify-write CAS on one blob by one writer (download, then upload with If-Match on the ETag
 * read): what a coordinator flush costs when it does not trust its cache.
 */
export async function measureCas(
  opts: CasOptions,
): Promise<{ perS: number; writes: number; seconds: number }> {
  const service = BlobServiceClient.fromConnectionString(opts.connectionString);
  const container = service.getContainerClient(probeQueueName('cas'));
  await container.createIfNotExists();
  try {
    const blob: BlockBlobClient = container.getBlockBlobClient('state.json.gz');
    // Random bytes: the state blob is gzip, so it does not compress further.
    const payload = randomBytes(opts.bytes);
    await blob.uploadData(payload);
    const durationMs = opts.durationMs ?? 10_000;
    const started = performance.now();
    let writes = 0;
    while (performance.now() - started < durationMs) {
      const read = await blob.download();
      const current = await streamToBuffer(read.readableStreamBody);
      payload[0] = (current[0] + 1) & 0xff;
      await blob.uploadData(payload, { conditions: { ifMatch: read.etag } });
      writes++;
    }
    const seconds = (performance.now() - started) / 1000;
    return { perS: writes / seconds, writes, seconds };
  } finally {
    await container.deleteIfExists().catch(() => undefined);
  }
}

async function streamToBuffer(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** Result of a receive-only pass over a prefilled queue. */
export interface ReceiveOnlyResult {
  /** Messages received per second, from the first receive until every message was seen once. */
  perS: number;
  received: number;
  seconds: number;
  depth: number;
}

/**
 * Prefills a queue with `depth` messages, then reads them all with one receive loop of 32 per receive
 * and no deletes (visibility timeout 60 s, so none reappears): how fast a coordinator could at best
 * *read* a backlog of completions, the bound for dispatching the children they make ready.
 */
export async function measureReceiveOnly(
  opts: Omit<DrainOptions, 'deleteConcurrency'>,
): Promise<ReceiveOnlyResult> {
  const queue = queueService(opts.connectionString).getQueueClient(opts.queueName ?? probeQueueName('read'));
  await queue.createIfNotExists();
  try {
    await prefillQueue(queue, opts.depth, opts.messageBytes ?? 300);
    const deadline = Date.now() + (opts.maxDurationMs ?? 30_000);
    const started = performance.now();
    let received = 0;
    while (received < opts.depth && Date.now() < deadline) {
      const res = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
      if (res.receivedMessageItems.length === 0) break;
      received += res.receivedMessageItems.length;
    }
    const seconds = (performance.now() - started) / 1000;
    return { perS: received / seconds, received, seconds, depth: opts.depth };
  } finally {
    await queue.deleteIfExists().catch(() => undefined);
  }
}
