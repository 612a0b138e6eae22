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
    const atOf = this.#at;
    const seqOf = this.#seq;
    const items = this.#items;
    const seq = this.#pushed++;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pAt = atOf[parent] as number;
      if (pAt < at || (pAt === at && (seqOf[parent] as number) < seq)) break;
      atOf[i] = pAt;
      seqOf[i] = seqOf[parent] as number;
      items[i] = items[parent];
      i = parent;
    }
    atOf[i] = at;
    seqOf[i] = seq;
    items[i] = item;
  }

  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    const atOf = this.#at;
    const seqOf = this.#seq;
    const items = this.#items;
    const top = items[0];
    const n = --this.#size;
    const lastAt = atOf[n] as number;
    const lastSeq = seqOf[n] as number;
    const last = items[n];
    items[n] = undefined;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        let child = left;
        const right = left + 1;
        if (right < n) {
          const rAt = atOf[right] as number;
          const lAt = atOf[left] as number;
          if (rAt < lAt || (rAt === lAt && (seqOf[right] as number) < (seqOf[left] as number))) child = right;
        }
        const cAt = atOf[child] as number;
        if (lastAt < cAt || (lastAt === cAt && lastSeq < (seqOf[child] as number))) break;
        atOf[i] = cAt;
        seqOf[i] = seqOf[child] as number;
        items[i] = items[child];
        i = child;
      }
      atOf[i] = lastAt;
      seqOf[i] = lastSeq;
      items[i] = last;
    }
    return top;
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
