/** Per-task notes of the jobq extensions in task tables: cached results and lock waits. */
import type { TaskStatusRecord } from '../../engine/api.js';
import { colorState, type Colors } from './colors.js';

/** The status cell: the state, marked `(cached)` when a cached result completed the task (jobq extension). */
export function statusCell(t: TaskStatusRecord, c: Colors): string {
  return t.cached_from ? `${colorState(c, t.status)} ${c.dim('(cached)')}` : colorState(c, t.status);
}

/** What a task without an error has to say: where its cached result came from, or what lock it waits for. */
export function taskNote(t: TaskStatusRecord & { waiting_for?: string }, c: Colors): string {
  if (t.cached_from) return c.dim(`cached from ${t.cached_from}`);
  if (t.waiting_for) return c.yellow(t.waiting_for);
  return '';
}
