/** Queue message limits and the error text for an oversized message (reference §9). */
import type { QueueClient } from '../ports/queue.js';

/** Azure Storage Queue: 64 KiB of UTF-8 message text (the JS SDK sends text verbatim, no base64). */
export const STORAGE_QUEUE_MAX_MESSAGE_BYTES = 64 * 1024;
/** Azure Service Bus Standard tier (Premium allows 1 MiB; set JOBQ_SERVICEBUS_MAX_MESSAGE_BYTES). */
export const SERVICE_BUS_MAX_MESSAGE_BYTES = 256 * 1024;
/**
 * The Service Bus message limit in force: `JOBQ_SERVICEBUS_MAX_MESSAGE_BYTES` when it is a positive
 * integer, else the Standard tier's.
 */
export function serviceBusMaxMessageBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.JOBQ_SERVICEBUS_MAX_MESSAGE_BYTES);
  return Number.isInteger(n) && n > 0 ? n : SERVICE_BUS_MAX_MESSAGE_BYTES;
}
/** Storage Queue receive returns at most 32 messages per call. */
export const STORAGE_QUEUE_MAX_RECEIVE = 32;

/** One-line explanation with the fix (`--max-fan-in`) for MessageTooLargeError. */
export function tooLargeMessage(
  q: Pick<QueueClient, 'spec' | 'backend' | 'maxMessageBytes'>,
  bytes: number,
): string {
  return (
    `Message of ${bytes} bytes exceeds the ${q.maxMessageBytes}-byte limit of ${q.backend} queue '${q.spec}'. ` +
    'A wide fan-in carries one upstream ref per parent: submit with a smaller --max-fan-in (e.g. --max-fan-in 1000) ' +
    'so merge nodes split it, or make the task kwargs smaller.'
  );
}
