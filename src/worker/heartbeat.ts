/**
 * Keeps a task message invisible (Storage Queue) or locked (Service Bus) while its task runs, by
 * extending it every half visibility timeout. The latest message handle is what must be deleted.
 */
import type { Logger } from '../log.js';
import type { QueueClient, ReceivedMessage } from '../ports/queue.js';

export class MessageHeartbeat {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly queue: QueueClient,
    private current: ReceivedMessage,
    private readonly visibilityTimeoutS: number,
    private readonly logger: Logger,
  ) {}

  /** The message with its newest handle (pop receipt / lock). */
  get message(): ReceivedMessage {
    return this.current;
  }

  start(): this {
    const everyMs = Math.max(250, (this.visibilityTimeoutS * 1000) / 2);
    this.timer = setInterval(() => {
      this.inFlight = this.inFlight.then(() => this.extend());
    }, everyMs);
    this.timer.unref();
    return this;
  }

  /** Stop extending; resolves once an extension in flight has settled (so `message` is current). */
  async stop(): Promise<ReceivedMessage> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
    return this.current;
  }

  private async extend(): Promise<void> {
    if (this.stopped) return;
    try {
      this.current = await this.queue.extend(this.current, this.visibilityTimeoutS);
    } catch (err) {
      // The task keeps running: at worst the message reappears and the task runs again (at-least-once).
      this.logger.warn({ err: String(err) }, 'could not extend the task message visibility');
    }
  }
}
