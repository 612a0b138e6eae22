// Seeded pseudo-random numbers for the simulator. `--seed` must reproduce the exact event sequence, so
// nothing in src/bank may call Math.random(). sfc32 is small, fast in 32-bit integer arithmetic (which V8
// keeps unboxed) and passes PractRand well beyond the few billion draws a long simulation makes.

// cyrb128-style string hash spread over four 32-bit words, so "42" and "43" give unrelated states.
function hashSeed(seed: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

const TWO_POW_32 = 4294967296;

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  // Box-Muller makes normals in pairs; keeping the spare halves the cost of lognormal amounts.
  #spareNormal = Number.NaN;

  constructor(seed: string | number) {
    [this.#a, this.#b, this.#c, this.#d] = hashSeed(String(seed));
    // Discard the first outputs: sfc32 needs a few rounds to mix a structured state.
    for (let i = 0; i < 15; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  // Uniform in [0, 1).
  next(): number {
    return this.uint32() / TWO_POW_32;
  }

  // Uniform integer in [min, max], both inclusive.
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('Rng.pick needs a non-empty array');
    return item;
  }

  // Index drawn with probability proportional to weights[i].
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  normal(): number {
    if (!Number.isNaN(this.#spareNormal)) {
      const spare = this.#spareNormal;
      this.#spareNormal = Number.NaN;
      return spare;
    }
    // 1 - next() is in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.#spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  // Log-normal parameterised by its median (e^mu), the natural parameter for money amounts.
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  // Exponential waiting time with the given mean.
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  // An independent stream derived from this one, so sub-systems (population, fraud) do not shift each
  // other's draws when one of them changes how many numbers it consumes.
  fork(label: string): Rng {
    return new Rng(`${this.uint32()}:${label}`);
  }
}
