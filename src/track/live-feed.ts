/**
 * Server-sent events for open workflow pages: one poller per watched workflow asks for the state blob's
 * ETag every interval and re-reads the blob only when it moved; each subscriber then gets its own
 * view's node states, with rate and ETA counted from when it connected (as `watch` does).
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { redactSecrets } from '../log.js';
import { rateAndEta } from '../cli/render/format.js';
import type { WorkflowCache, WorkflowEntry } from './workflow-cache.js';
import { liveStates, workflowHeader } from './service.js';

interface Subscriber {
  res: ServerResponse;
  expand: string[];
  startedAt: number;
  completedAtStart: number | null;
  lastEtag: string | null;
}

interface Watched {
  subscribers: Set<Subscriber>;
  timer: NodeJS.Timeout;
  lastError: string | null;
}

/** One line of an error, secrets redacted. */
export function errorLine(err: unknown): string {
  return redactSecrets((err instanceof Error ? err.message : String(err)).split('\n')[0]);
}

/** Write one SSE event. */
function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export class LiveFeed {
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly cache: WorkflowCache,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Stream updates of workflow `id` to `res` until the client goes away. */
  async subscribe(id: string, expand: string[], res: ServerResponse): Promise<void> {
    const entry = await this.cache.get(id);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n\n`);
    const sub: Subscriber = {
      res,
      expand,
      startedAt: Date.now(),
      completedAtStart: null,
      lastEtag: null,
    };
    let w = this.watched.get(id);
    if (!w) {
      const timer = setInterval(() => void this.tick(id), this.intervalMs);
      timer.unref();
      w = { subscribers: new Set(), timer, lastError: null };
      this.watched.set(id, w);
    }
    w.subscribers.add(sub);
    res.on('close', () => this.unsubscribe(id, sub));
    this.push(sub, entry);
  }

  /** Stop every stream (server shutdown). */
  close(): void {
    for (const [id, w] of this.watched) {
      clearInterval(w.timer);
      for (const s of w.subscribers) s.res.end();
      this.watched.delete(id);
    }
  }

  private unsubscribe(id: string, sub: Subscriber): void {
    const w = this.watched.get(id);
    if (!w) return;
    w.subscribers.delete(sub);
    if (w.subscribers.size === 0) {
      clearInterval(w.timer);
      this.watched.delete(id);
    }
  }

  private async tick(id: string): Promise<void> {
    const w = this.watched.get(id);
    if (!w) return;
    try {
      const entry = await this.cache.get(id);
      if (w.lastError !== null) {
        w.lastError = null;
        for (const s of w.subscribers) send(s.res, 'recovered', {});
      }
      for (const s of w.subscribers) this.push(s, entry);
    } catch (err) {
      const message = errorLine(err);
      if (message !== w.lastError) {
        this.logger.warn({ workflowId: id, err }, 'dashboard refresh failed');
        for (const s of w.subscribers) send(s.res, 'failure', { error: message });
      }
      w.lastError = message;
    }
  }

  /** Send the subscriber the current state if it has not seen this ETag yet. */
  private push(sub: Subscriber, entry: WorkflowEntry): void {
    const snap = entry.snapshot!;
    if (sub.lastEtag === snap.etag && sub.lastEtag !== null) return;
    sub.lastEtag = snap.etag;
    const header = workflowHeader(snap.rt, false);
    sub.completedAtStart ??= header.completed;
    const elapsedS = (Date.now() - sub.startedAt) / 1000;
    const { rate, etaS } = rateAndEta(
      sub.completedAtStart,
      header.completed,
      elapsedS,
      header.pending + header.running,
    );
    send(sub.res, 'update', {
      workflow: header,
      rate: elapsedS > 0 ? rate : null,
      eta_s: etaS,
      etag: snap.etag,
      states: liveStates(entry, sub.expand),
    });
  }
}
