// Min-heap of future simulation tasks ordered by time, then by insertion order, so tasks due at the same
// millisecond always run in the same order and a seed reproduces the same stream. Times and insertion
// numbers sit in typed arrays beside the items: sifting compares numbers in two contiguous arrays instead
// of following a pointer to an entry object per comparison, and a push allocates nothing.

export class Schedule<T> {
  #at = new Float64Array(1024);
  #seq = new Float64Array(1024);
  #items: (T | undefined)[] = [];
  #size = 0;
  #pushed = 0;

  get size(): number {
    return this.#size;
  }

  // Due time of the earliest task, or Infinity when nothing is scheduled.
  get nextAt(): number {
    return this.#size > 0 ? (this.#at[0] as number) : Number.POSITIVE_INFINITY;
  }

  push(at: number, item: T): void {
    if (this.#size === this.#at.length) this.#grow();
    const seq = this.#pushed++;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (dueBefore(this.#at[parent] as number, this.#seq[parent] as number, at, seq)) break;
      this.#moveTo(i, parent);
      i = parent;
    }
    this.#place(i, at, seq, item);
  }

  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    const atOf = this.#at;
    const seqOf = this.#seq;
    const top = this.#items[0];
    const n = --this.#size;
    const lastAt = atOf[n] as number;
    const lastSeq = seqOf[n] as number;
    const last = this.#items[n];
    this.#items[n] = undefined;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && dueBefore(atOf[right] as number, seqOf[right] as number, atOf[left] as number, seqOf[left] as number) ? right : left;
        if (dueBefore(lastAt, lastSeq, atOf[child] as number, seqOf[child] as number)) break;
        this.#moveTo(i, child);
        i = child;
      }
      this.#place(i, lastAt, lastSeq, last);
    }
    return top;
  }

  // Slot `to` takes what slot `from` holds.
  #moveTo(to: number, from: number): void {
    this.#place(to, this.#at[from] as number, this.#seq[from] as number, this.#items[from]);
  }

  #place(i: number, at: number, seq: number, item: T | undefined): void {
    this.#at[i] = at;
    this.#seq[i] = seq;
    this.#items[i] = item;
  }

  #grow(): void {
    const at = new Float64Array(this.#at.length * 2);
    at.set(this.#at);
    this.#at = at;
    const seq = new Float64Array(this.#seq.length * 2);
    seq.set(this.#seq);
    this.#seq = seq;
  }
}

// Task (at1, seq1) runs before task (at2, seq2): earlier, or as early and pushed first.
function dueBefore(at1: number, seq1: number, at2: number, seq2: number): boolean {
  return at1 < at2 || (at1 === at2 && seq1 < seq2);
}
