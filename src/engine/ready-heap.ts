/**
 * Tasks waiting for a dispatch slot, released lowest definition index first. A priority order (not
 * arrival order) makes dispatch depend only on which tasks are ready, so a runtime reloaded from its
 * documents dispatches exactly what the original would have. Entries are re-checked on pop (lazy delete).
 */
export class ReadyHeap {
  private items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(i: number): void {
    const a = this.items;
    a.push(i);
    let k = a.length - 1;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (a[p] <= i) break;
      a[k] = a[p];
      k = p;
    }
    a[k] = i;
  }

  peek(): number {
    return this.items[0];
  }

  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop() as number;
    if (a.length > 0) {
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && a[l + 1] < a[l] ? l + 1 : l;
        if (a[c] >= last) break;
        a[k] = a[c];
        k = c;
      }
      a[k] = last;
    }
    return top;
  }
}
