// Walker's alias method: draws one of n items with probability proportional to its weight in constant
// time from one uniform number, where a binary search over cumulative weights touches log n cache lines
// of a large population on every draw.

export class AliasTable {
  readonly #items: Int32Array;
  readonly #keep: Float64Array; // chance of keeping the slot's own item rather than its alias
  readonly #alias: Int32Array;

  constructor(items: Int32Array, weights: readonly number[]) {
    const n = items.length;
    if (n === 0 || weights.length !== n) throw new RangeError('AliasTable needs one weight per item, and at least one item');
    this.#items = items;
    this.#keep = new Float64Array(n);
    this.#alias = new Int32Array(n);
    let total = 0;
    for (const w of weights) total += w;
    const scaled = weights.map((w) => (w * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((w, i) => (w < 1 ? small : large).push(i));
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number;
      const l = large[large.length - 1] as number;
      this.#keep[s] = scaled[s] as number;
      this.#alias[s] = l;
      scaled[l] = (scaled[l] as number) + (scaled[s] as number) - 1;
      if ((scaled[l] as number) < 1) small.push(large.pop() as number);
    }
    // What is left has weight 1 up to rounding: it keeps its own item.
    for (const i of large) this.#keep[i] = 1;
    for (const i of small) this.#keep[i] = 1;
  }

  // The item for a uniform u in [0, 1).
  pick(u: number): number {
    const scaled = u * this.#keep.length;
    const slot = Math.floor(scaled);
    return (this.#items[scaled - slot < (this.#keep[slot] as number) ? slot : (this.#alias[slot] as number)] as number);
  }
}
