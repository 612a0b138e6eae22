// Walker's alias method: draws one of n items with probability proportional to its weight in constant
// time from one uniform number, where a binary search over cumulative weights touches log n cache lines
// of a large population on every draw. A slot's three numbers (the chance of keeping its own item, its
// item, its alias's item) sit side by side, so a draw reads one cache line, not three arrays.

export class AliasTable {
  readonly #slots: Float64Array; // [3 * slot]: keep chance, own item, alias's item
  readonly #size: number;

  constructor(items: Int32Array, weights: readonly number[]) {
    const n = items.length;
    if (n === 0 || weights.length !== n) throw new RangeError('AliasTable needs one weight per item, and at least one item');
    const keep = new Float64Array(n);
    const alias = new Int32Array(n);
    let total = 0;
    for (const w of weights) total += w;
    const scaled = weights.map((w) => (w * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((w, i) => (w < 1 ? small : large).push(i));
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number;
      const l = large[large.length - 1] as number;
      keep[s] = scaled[s] as number;
      alias[s] = l;
      scaled[l] = (scaled[l] as number) + (scaled[s] as number) - 1;
      if ((scaled[l] as number) < 1) small.push(large.pop() as number);
    }
    // What is left has weight 1 up to rounding: it keeps its own item.
    for (const i of large) keep[i] = 1;
    for (const i of small) keep[i] = 1;
    this.#size = n;
    this.#slots = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      this.#slots[3 * i] = keep[i] as number;
      this.#slots[3 * i + 1] = items[i] as number;
      this.#slots[3 * i + 2] = items[alias[i] as number] as number;
    }
  }

  // The item for a uniform u in [0, 1).
  pick(u: number): number {
    const scaled = u * this.#size;
    const slot = Math.floor(scaled);
    const at = 3 * slot;
    return (this.#slots[scaled - slot < (this.#slots[at] as number) ? at + 1 : at + 2] as number);
  }
}
