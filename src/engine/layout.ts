/**
 * The static, compact part of a runtime (DECISIONS §6 memory target): every task name lives in one
 * concatenated string with an offset table and an open-addressing hash index; kwargs stay JSON text
 * in one string; parents/children are CSR int32 arrays; per-task scalars are typed arrays.
 */
import { BATCH_MERGE_KWARG } from '../model/types.js';

/** One task as handed to `buildTaskTable` (names already resolved, parents by index). */
export interface TaskSpec {
  name: string;
  parents: number[];
  kwargsJson: string;
  queue: string;
  numRetries: number;
  policy: number;
  timeoutS: number | null;
  condition: string | null;
}

/** FNV-1a over UTF-16 code units of `s`. */
function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

/** Offsets + one concatenated string: one heap object for N strings. */
class PackedStrings {
  readonly text: string;
  readonly off: Int32Array;
  constructor(items: readonly string[]) {
    this.off = new Int32Array(items.length + 1);
    let pos = 0;
    for (let i = 0; i < items.length; i++) {
      pos += items[i].length;
      this.off[i + 1] = pos;
    }
    this.text = items.join('');
  }
  get(i: number): string {
    return this.text.slice(this.off[i], this.off[i + 1]);
  }
  equals(i: number, s: string): boolean {
    const a = this.off[i];
    return this.off[i + 1] - a === s.length && this.text.startsWith(s, a);
  }
}

/** Immutable structure of a workflow's tasks. Index = definition order. */
export class TaskTable {
  readonly size: number;
  private readonly names: PackedStrings;
  private readonly kwargs: PackedStrings;
  private readonly slots: Int32Array;
  readonly parentOff: Int32Array;
  readonly parentIdx: Int32Array;
  readonly childOff: Int32Array;
  readonly childIdx: Int32Array;
  /** Index into `queues`. */
  readonly queueId: Uint16Array | Int32Array;
  readonly queues: readonly string[];
  readonly numRetries: Int32Array;
  readonly policy: Int32Array;
  /** -1 = no timeout. */
  readonly timeoutS: Int32Array;
  /** Sparse: only conditional tasks. */
  readonly conditions: ReadonlyMap<number, string>;
  /** Sparse: fan-in merge nodes (kwargs `__batch_merge` truthy). */
  readonly mergeNodes: ReadonlySet<number>;

  constructor(specs: readonly TaskSpec[]) {
    const n = specs.length;
    this.size = n;
    this.names = new PackedStrings(specs.map((s) => s.name));
    this.kwargs = new PackedStrings(specs.map((s) => s.kwargsJson));
    this.slots = new Int32Array(Math.max(4, 1 << Math.ceil(Math.log2(n * 2 + 1))));
    for (let i = 0; i < n; i++) this.insertSlot(specs[i].name, i);
    [this.parentOff, this.parentIdx] = csr(specs.map((s) => s.parents));
    const children: number[][] = specs.map(() => []);
    for (let i = 0; i < n; i++) for (const p of specs[i].parents) children[p].push(i);
    [this.childOff, this.childIdx] = csr(children);
    const queues = [...new Set(specs.map((s) => s.queue))];
    const qIndex = new Map(queues.map((q, i) => [q, i]));
    this.queues = queues;
    this.queueId = queues.length < 65536 ? new Uint16Array(n) : new Int32Array(n);
    this.numRetries = new Int32Array(n);
    this.policy = new Int32Array(n);
    this.timeoutS = new Int32Array(n);
    const conditions = new Map<number, string>();
    const merges = new Set<number>();
    for (let i = 0; i < n; i++) {
      const s = specs[i];
      this.queueId[i] = qIndex.get(s.queue) ?? 0;
      this.numRetries[i] = Math.max(0, s.numRetries);
      this.policy[i] = s.policy;
      this.timeoutS[i] = s.timeoutS ?? -1;
      if (s.condition) conditions.set(i, s.condition);
      if (s.kwargsJson.includes(BATCH_MERGE_KWARG) && isMergeKwargs(s.kwargsJson)) merges.add(i);
    }
    this.conditions = conditions;
    this.mergeNodes = merges;
  }

  private insertSlot(name: string, i: number): void {
    const mask = this.slots.length - 1;
    let h = hashName(name) & mask;
    while (this.slots[h] !== 0) h = (h + 1) & mask;
    this.slots[h] = i + 1;
  }

  /** Index of a task name, or -1. */
  indexOf(name: string): number {
    const mask = this.slots.length - 1;
    let h = hashName(name) & mask;
    for (;;) {
      const v = this.slots[h];
      if (v === 0) return -1;
      if (this.names.equals(v - 1, name)) return v - 1;
      h = (h + 1) & mask;
    }
  }

  name(i: number): string {
    return this.names.get(i);
  }
  kwargsJson(i: number): string {
    return this.kwargs.get(i);
  }
  queue(i: number): string {
    return this.queues[this.queueId[i]];
  }
  parentCount(i: number): number {
    return this.parentOff[i + 1] - this.parentOff[i];
  }
  isSink(i: number): boolean {
    return this.childOff[i + 1] === this.childOff[i];
  }
  parentsOf(i: number): number[] {
    return Array.from(this.parentIdx.subarray(this.parentOff[i], this.parentOff[i + 1]));
  }
  childrenOf(i: number): number[] {
    return Array.from(this.childIdx.subarray(this.childOff[i], this.childOff[i + 1]));
  }
}

function isMergeKwargs(json: string): boolean {
  const kw = JSON.parse(json) as Record<string, unknown>;
  return Boolean(kw[BATCH_MERGE_KWARG]);
}

function csr(lists: readonly number[][]): [Int32Array, Int32Array] {
  const off = new Int32Array(lists.length + 1);
  for (let i = 0; i < lists.length; i++) off[i + 1] = off[i] + lists[i].length;
  const idx = new Int32Array(off[lists.length]);
  for (let i = 0; i < lists.length; i++) idx.set(lists[i], off[i]);
  return [off, idx];
}

/**
 * Build the table from tasks given by name. Unknown parent names are dropped and duplicate
 * `depends_on` entries collapse to one edge (the reference would double-count them).
 */
export function buildTaskTable(
  tasks: readonly (Omit<TaskSpec, 'parents'> & { parents: readonly string[] })[],
): TaskTable {
  const index = new Map<string, number>();
  tasks.forEach((t, i) => index.set(t.name, i));
  const specs: TaskSpec[] = tasks.map((t) => {
    const seen = new Set<number>();
    for (const p of t.parents) {
      const j = index.get(p);
      if (j !== undefined) seen.add(j);
    }
    return { ...t, parents: [...seen] };
  });
  return new TaskTable(specs);
}
