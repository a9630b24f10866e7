/**
 * The state document as JSON text in fixed chunks of tasks, re-encoded only where something changed:
 * a flush of a big workflow then rebuilds (and its blob encoder recompresses) the few chunks its
 * completions touched instead of the whole document. The text is the document `writeStateDoc` builds
 * (same keys, same per-task entries: `taskEntryJson` is `taskEntry` as text), with tasks in definition order.
 */
import type { StateDocText, StateTextChunk } from '../wire/state-blob.js';
import type { WorkflowState } from './states.js';
import type { TaskMachine } from './machine.js';
import { stateDocWith, taskEntryJson, type WorkflowMeta } from './serialize.js';

/** Tasks per chunk: small enough that a flush re-encodes little, large enough to compress well. */
export const STATE_CHUNK_TASKS = 64;

/** The text form is the state blob encoder's input, so its shape is defined in `wire/state-blob.ts`. */
export type { StateDocText, StateTextChunk } from '../wire/state-blob.js';

/** Versions are unique in the process, so a cache keyed by (chunk, version) never serves stale text. */
let nextVersion = 1;

const TASKS_MARK = '"tasks":{}';

export class StateTextWriter {
  private readonly state: Uint8Array;
  private readonly attempt: Int32Array;
  private readonly done: Int32Array;
  private readonly failed: Int32Array;
  private readonly started: Uint32Array;
  private readonly completed: Uint32Array;
  private readonly refs = new Map<number, string>();
  private readonly errors = new Map<number, string>();
  private readonly versions: number[];
  private readonly empty: boolean[];
  /** Texts built by the current write (changed chunks), handed out without building them again. */
  private readonly fresh = new Map<number, string>();
  private primed = false;

  constructor(private readonly m: TaskMachine) {
    const n = m.table.size;
    this.state = new Uint8Array(n);
    this.attempt = new Int32Array(n);
    this.done = new Int32Array(n);
    this.failed = new Int32Array(n);
    this.started = new Uint32Array(n);
    this.completed = new Uint32Array(n);
    const chunks = Math.ceil(n / STATE_CHUNK_TASKS);
    this.versions = new Array<number>(chunks).fill(0);
    this.empty = new Array<boolean>(chunks).fill(true);
  }

  /** Copy task `i`'s taskEntry inputs; true when any differed from the copy. */
  private sync(i: number): boolean {
    const m = this.m;
    let changed = false;
    if (this.state[i] !== m.state[i]) {
      this.state[i] = m.state[i];
      changed = true;
    }
    if (this.attempt[i] !== m.attempt[i]) {
      this.attempt[i] = m.attempt[i];
      changed = true;
    }
    if (this.done[i] !== m.doneParents[i]) {
      this.done[i] = m.doneParents[i];
      changed = true;
    }
    if (this.failed[i] !== m.failedParents[i]) {
      this.failed[i] = m.failedParents[i];
      changed = true;
    }
    if (this.started[i] !== m.startedAt[i]) {
      this.started[i] = m.startedAt[i];
      changed = true;
    }
    if (this.completed[i] !== m.completedAt[i]) {
      this.completed[i] = m.completedAt[i];
      changed = true;
    }
    changed = syncMapEntry(this.refs, m.outputRefs, i) || changed;
    changed = syncMapEntry(this.errors, m.errors, i) || changed;
    return changed;
  }

  private chunkText(k: number): string {
    const cached = this.fresh.get(k);
    if (cached !== undefined) return cached;
    const t = this.m.table;
    let s = '';
    let first = true;
    const end = Math.min(t.size, (k + 1) * STATE_CHUNK_TASKS);
    for (let i = k * STATE_CHUNK_TASKS; i < end; i++) {
      const e = taskEntryJson(this.m, i);
      if (e === '') continue;
      s += (first ? '' : ',') + JSON.stringify(t.name(i)) + ':' + e;
      first = false;
    }
    this.fresh.set(k, s);
    return s;
  }

  /** The document of `meta`/`state` now; only chunks with a changed task get a new version. */
  write(meta: WorkflowMeta, state: WorkflowState): StateDocText {
    const t = this.m.table;
    const chunks: StateTextChunk[] = [];
    this.fresh.clear();
    for (let k = 0; k * STATE_CHUNK_TASKS < t.size; k++) {
      let changed = !this.primed;
      const end = Math.min(t.size, (k + 1) * STATE_CHUNK_TASKS);
      for (let i = k * STATE_CHUNK_TASKS; i < end; i++) if (this.sync(i)) changed = true;
      if (changed) {
        this.versions[k] = nextVersion++;
        this.empty[k] = this.chunkText(k) === '';
      }
      const chunk = k;
      chunks.push({
        version: this.versions[k],
        empty: this.empty[k],
        text: (leadingComma) => {
          const text = this.chunkText(chunk);
          return leadingComma && text ? ',' + text : text;
        },
      });
    }
    this.primed = true;
    const frame = JSON.stringify(stateDocWith(meta, this.m, state, {}));
    const at = frame.indexOf(TASKS_MARK);
    const split = at + TASKS_MARK.length - 2;
    return { head: frame.slice(0, split + 1), chunks, tail: frame.slice(split + 1) };
  }
}

function syncMapEntry(copy: Map<number, string>, live: ReadonlyMap<number, string>, i: number): boolean {
  const v = live.get(i);
  if (copy.get(i) === v) return false;
  if (v === undefined) copy.delete(i);
  else copy.set(i, v);
  return true;
}
