// Min-heap of future simulation tasks ordered by time, then by insertion order, so tasks due at the same
// millisecond always run in the same order and a seed reproduces the same stream (the order is total, so
// any correct heap pops the same sequence). Times and insertion numbers sit in one typed array beside the
// items: sifting compares numbers in contiguous memory instead of following a pointer to an entry object
// per comparison, and a push allocates nothing. The heap is 4-ary, half as deep as a binary one over the
// hundred thousand tasks of a large bank, and node i's key sits at 2 * (i + 3), so the four children of
// a node (i * 4 + 1 .. i * 4 + 4), compared together on every level of a pop, share one 64-byte line.

const PAD = 3;

export class Schedule<T> {
  #keys = new Float64Array(2 * (1024 + PAD)); // [2 * (i + PAD)]: due time, [2 * (i + PAD) + 1]: insertion number
  #items: (T | undefined)[] = [];
  #size = 0;
  #pushed = 0;

  get size(): number {
    return this.#size;
  }

  // Due time of the earliest task, or Infinity when nothing is scheduled.
  get nextAt(): number {
    return this.#size > 0 ? (this.#keys[2 * PAD] as number) : Number.POSITIVE_INFINITY;
  }

  push(at: number, item: T): void {
    if (2 * (this.#size + PAD) === this.#keys.length) this.#grow();
    const keys = this.#keys;
    const seq = this.#pushed++;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const p = 2 * (parent + PAD);
      if (dueBefore(keys[p] as number, keys[p + 1] as number, at, seq)) break;
      this.#moveTo(i, parent);
      i = parent;
    }
    this.#place(i, at, seq, item);
  }

  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    const keys = this.#keys;
    const top = this.#items[0];
    const n = --this.#size;
    const lastAt = keys[2 * (n + PAD)] as number;
    const lastSeq = keys[2 * (n + PAD) + 1] as number;
    const last = this.#items[n];
    this.#items[n] = undefined;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const first = 4 * i + 1;
        if (first >= n) break;
        let child = first;
        let childAt = keys[2 * (first + PAD)] as number;
        let childSeq = keys[2 * (first + PAD) + 1] as number;
        const end = Math.min(first + 4, n);
        for (let c = first + 1; c < end; c++) {
          const at = keys[2 * (c + PAD)] as number;
          const seq = keys[2 * (c + PAD) + 1] as number;
          if (dueBefore(at, seq, childAt, childSeq)) {
            child = c;
            childAt = at;
            childSeq = seq;
          }
        }
        if (dueBefore(lastAt, lastSeq, childAt, childSeq)) break;
        this.#moveTo(i, child);
        i = child;
      }
      this.#place(i, lastAt, lastSeq, last);
    }
    return top;
  }

  // Slot `to` takes what slot `from` holds.
  #moveTo(to: number, from: number): void {
    const f = 2 * (from + PAD);
    this.#place(to, this.#keys[f] as number, this.#keys[f + 1] as number, this.#items[from]);
  }

  #place(i: number, at: number, seq: number, item: T | undefined): void {
    const k = 2 * (i + PAD);
    this.#keys[k] = at;
    this.#keys[k + 1] = seq;
    this.#items[i] = item;
  }

  #grow(): void {
    const keys = new Float64Array(2 * this.#keys.length);
    keys.set(this.#keys);
    this.#keys = keys;
  }
}

// Task (at1, seq1) runs before task (at2, seq2): earlier, or as early and pushed first.
function dueBefore(at1: number, seq1: number, at2: number, seq2: number): boolean {
  return at1 < at2 || (at1 === at2 && seq1 < seq2);
}
