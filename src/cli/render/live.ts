/**
 * Live views: `watch` (one workflow) and the aggregate view of `run-local` (many). On a TTY the frame
 * is redrawn in place with log-update; otherwise a plain line is printed whenever progress changes,
 * so logs and pipes never see escape codes or spinners.
 */
import type { WorkflowStatus } from '../../client/types.js';
import { isTerminalWorkflowState } from '../../engine/states.js';
import type { Colors } from './colors.js';
import { rateAndEta } from './format.js';
import { renderStatusView } from './status-view.js';

export interface LiveSink {
  /** Replace the live frame (TTY) or print a progress line (non-TTY). */
  frame(text: string, plainLine: string): void;
  /** Print a permanent line below the frame. */
  done(text: string): void;
}

/**
 * A sink writing to `stream`: log-update on a TTY with a known size, otherwise changed lines only (a
 * pseudo-terminal without a size would make log-update trim the frame to nothing). log-update is loaded
 * only for a terminal (start-up rule in commands/index.ts).
 */
export async function liveSink(stream: NodeJS.WriteStream): Promise<LiveSink> {
  if (stream.isTTY && stream.rows > 0 && stream.columns > 0) {
    const { createLogUpdate } = await import('log-update');
    const update = createLogUpdate(stream, { showCursor: false });
    return {
      frame: (text) => update(text),
      done: (text) => {
        update.done();
        stream.write(`${text}\n`);
      },
    };
  }
  let last = '';
  return {
    frame: (_text, line) => {
      if (line !== last) stream.write(`${line}\n`);
      last = line;
    },
    done: (text) => void stream.write(`${text}\n`),
  };
}

/** One-line progress for logs and pipes. */
export function plainProgressLine(st: WorkflowStatus): string {
  const skipped = st.skipped ? ` ${st.skipped} skipped` : '';
  return `${st.workflow_id} ${st.status}: ${st.completed}/${st.total} completed, ${st.running} running, ${st.failed} failed, ${st.pending} pending${skipped}`;
}

export interface WatchOptions {
  intervalS: number;
  colors: Colors;
  colour: boolean;
  byLayer: boolean;
  tasks: boolean;
  verbose: boolean;
  sink: LiveSink;
  /** Rows of the task table in the live view (keeps the frame within the screen). */
  maxTaskRows?: number;
  /** Stop early (Ctrl-C detaches). */
  signal?: AbortSignal;
  /** Refresh failures are shown and the last view kept. */
  onRefreshError?: (err: unknown) => void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Poll `fetch` every `intervalS` until the workflow is terminal (or the signal aborts) and render each
 * snapshot. The first fetch happens outside the loop so its errors surface plainly. Returns the last status.
 */
export async function watchLoop(
  fetch: () => Promise<WorkflowStatus>,
  o: WatchOptions,
): Promise<WorkflowStatus> {
  let st = await fetch();
  const startedAt = performance.now();
  const completedAtStart = st.completed;
  for (;;) {
    const elapsedS = (performance.now() - startedAt) / 1000;
    const { rate, etaS } = rateAndEta(completedAtStart, st.completed, elapsedS, st.pending + st.running);
    const view = renderStatusView(st, {
      ...o,
      rate: elapsedS > 0 ? rate : null,
      etaS,
      maxTaskRows: o.maxTaskRows,
    });
    o.sink.frame(view, plainProgressLine(st));
    if (isTerminalWorkflowState(st.status) || o.signal?.aborted) break;
    await sleep(o.intervalS * 1000, o.signal);
    if (o.signal?.aborted) break;
    try {
      st = await fetch();
    } catch (err) {
      o.onRefreshError?.(err);
    }
  }
  return st;
}

/** Exit code of `watch`: 0 completed, 1 failed, 3 cancelled, 4 still running (detached). */
export function watchExitCode(status: WorkflowStatus['status']): number {
  switch (status) {
    case 'completed':
      return 0;
    case 'failed':
      return 1;
    case 'cancelled':
      return 3;
    default:
      return 4;
  }
}
