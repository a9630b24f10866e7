/** Colour decisions (picocolors): NO_COLOR, --no-color and non-TTY streams all turn colour off. */
import pc from 'picocolors';
import type { TaskState, WorkflowState } from '../../engine/states.js';

export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Whether to colour output written to `stream`: off with `--no-color`, `NO_COLOR` (any value) or a
 * non-TTY stream; `FORCE_COLOR` (non-"0") turns it on (used by the pseudo-terminal test).
 */
export function colorEnabled(
  stream: { isTTY?: boolean },
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (flag === true) return true;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** A picocolors instance with colour on or off. */
export function makeColors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}

/** Status colours of reference §7.2. */
export function colorState(c: Colors, state: TaskState | WorkflowState | string): string {
  switch (state) {
    case 'completed':
      return c.green(state);
    case 'running':
      return c.cyan(state);
    case 'cancelling':
      return c.bold(c.yellow(state));
    case 'failed':
      return c.bold(c.red(state));
    case 'upstream_failed':
      return c.red(state);
    case 'pending':
    case 'ready_pending_budget':
      return c.dim(state);
    case 'ready':
    case 'cancelled':
      return c.yellow(state);
    case 'skipped':
      return c.magenta(state);
    default:
      return state;
  }
}
