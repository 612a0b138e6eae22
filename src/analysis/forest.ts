// Classification trees (CART, Gini impurity) and a random forest of them (bootstrap samples, a random
// subset of features tried at each split, probabilities averaged), seeded so a run repeats exactly.
//
// Split search is histogram-based: each feature is cut once, at up to MAX_BINS quantiles of the training
// data, and a node tries only those cut points. That is how LightGBM and scikit-learn's
// HistGradientBoosting work; it makes a split cost one pass over the node's rows per feature instead of a
// sort, which keeps a 60-tree forest on ~100k rows at a few seconds. Predictions compare raw values
// against the cut points, so a model scores unbinned rows.

import { Rng } from '../bank/rng.ts';
import type { FeatureMatrix } from './features.ts';

export const MAX_BINS = 64;
const BIN_SAMPLE = 50_000; // rows used to place the cut points
const MIN_GAIN = 1e-9;

export interface TreeOptions {
  maxDepth: number;
  minLeaf: number; // fewest training rows in a leaf
  featuresPerSplit?: number; // default: every feature
}

export interface ForestOptions extends TreeOptions {
  trees: number;
  seed: string | number;
}

// Cut points per feature, ascending; bin b holds values in (cuts[b-1], cuts[b]].
export class Binning {
  readonly cuts: Float64Array[];

  constructor(cuts: Float64Array[]) {
    this.cuts = cuts;
  }

  static fit(x: FeatureMatrix, rows: ArrayLike<number>, rng: Rng): Binning {
    const sample = rows.length <= BIN_SAMPLE ? Array.from(rows) : Array.from({ length: BIN_SAMPLE }, () => rows[Math.floor(rng.next() * rows.length)] ?? 0);
    const cuts: Float64Array[] = [];
    const values = new Float64Array(sample.length);
    for (let f = 0; f < x.width; f++) {
      sample.forEach((row, k) => {
        values[k] = x.data[row * x.width + f] ?? 0;
      });
      values.sort();
      const unique: number[] = [];
      for (const v of values) if (unique.length === 0 || unique[unique.length - 1] !== v) unique.push(v);
      const chosen: number[] = [];
      if (unique.length <= MAX_BINS) chosen.push(...unique.slice(0, -1));
      else {
        for (let b = 1; b < MAX_BINS; b++) {
          const v = values[Math.floor((b * values.length) / MAX_BINS)] ?? 0;
          // A quantile that is the maximum cuts nothing off; a repeated one adds no bin.
          if (v < (unique[unique.length - 1] ?? 0) && chosen[chosen.length - 1] !== v) chosen.push(v);
        }
      }
      cuts.push(Float64Array.from(chosen));
    }
    return new Binning(cuts);
  }

  bin(feature: number, value: number): number {
    const cuts = this.cuts[feature] as Float64Array;
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (value <= (cuts[mid] ?? 0)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  // The binned matrix of the given rows, column-major (width × rows.length): a split search reads one
  // feature of many rows, so each feature's bins lie together.
  apply(x: FeatureMatrix, rows: ArrayLike<number>): Uint8Array {
    const n = rows.length;
    const out = new Uint8Array(n * x.width);
    for (let k = 0; k < n; k++) {
      const row = rows[k] ?? 0;
      for (let f = 0; f < x.width; f++) out[f * n + k] = this.bin(f, x.data[row * x.width + f] ?? 0);
    }
    return out;
  }
}

interface TreeNode {
  feature: number;
  threshold: number;
  left: number;
  right: number;
  value: number;
  gain: number;
}

// A fitted tree: node i is a leaf when feature[i] < 0; otherwise rows with value <= threshold go left.
export class Tree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array; // share of fraud among the training rows that reached the node
  readonly gain: Float64Array; // decrease in (row-weighted) Gini impurity the node's split made

  constructor(nodes: TreeNode[]) {
    this.feature = Int32Array.from(nodes, (n) => n.feature);
    this.threshold = Float64Array.from(nodes, (n) => n.threshold);
    this.left = Int32Array.from(nodes, (n) => n.left);
    this.right = Int32Array.from(nodes, (n) => n.right);
    this.value = Float64Array.from(nodes, (n) => n.value);
    this.gain = Float64Array.from(nodes, (n) => n.gain);
  }

  get nodes(): number {
    return this.feature.length;
  }

  predictRow(data: ArrayLike<number>, offset: number): number {
    let node = 0;
    for (;;) {
      const f = this.feature[node] ?? -1;
      if (f < 0) return this.value[node] ?? 0;
      node = (data[offset + f] ?? 0) <= (this.threshold[node] ?? 0) ? (this.left[node] ?? 0) : (this.right[node] ?? 0);
    }
  }

  // The splits from the root, for reports: "feature <= threshold".
  describe(names: readonly string[]): string[] {
    const lines: string[] = [];
    const walk = (node: number, depth: number) => {
      const f = this.feature[node] ?? -1;
      const pad = '  '.repeat(depth);
      if (f < 0) {
        lines.push(`${pad}leaf: fraud share ${(this.value[node] ?? 0).toFixed(4)}`);
        return;
      }
      lines.push(`${pad}${names[f] ?? `f${f}`} <= ${(this.threshold[node] ?? 0).toPrecision(4)}`);
      walk(this.left[node] ?? 0, depth + 1);
      walk(this.right[node] ?? 0, depth + 1);
    };
    walk(0, 0);
    return lines;
  }
}

// Grows one tree on `sample` (row indexes into the binned matrix and labels, repeats allowed for a
// bootstrap sample).
export function growTree(binned: Uint8Array, width: number, labels: Uint8Array, sample: Uint32Array, binning: Binning, options: TreeOptions, rng: Rng): Tree {
  const n = labels.length;
  const tryFeatures = Math.min(width, options.featuresPerSplit ?? width);
  const nodes: TreeNode[] = [];
  const total = new Float64Array(MAX_BINS);
  const positive = new Float64Array(MAX_BINS);
  const order = Int32Array.from({ length: width }, (_, i) => i);
  const stack: { node: number; start: number; end: number; depth: number }[] = [];

  const makeNode = (start: number, end: number): number => {
    let pos = 0;
    for (let k = start; k < end; k++) pos += labels[sample[k] ?? 0] ?? 0;
    nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, value: pos / (end - start), gain: 0 });
    return nodes.length - 1;
  };
  stack.push({ node: makeNode(0, sample.length), start: 0, end: sample.length, depth: 0 });

  while (stack.length > 0) {
    const { node, start, end, depth } = stack.pop() as (typeof stack)[number];
    const size = end - start;
    const p = (nodes[node] as TreeNode).value;
    if (depth >= options.maxDepth || size < 2 * options.minLeaf || p === 0 || p === 1) continue;
    const parentImpurity = size * 2 * p * (1 - p);
    // A partial Fisher-Yates shuffle picks the features this node tries.
    for (let k = 0; k < tryFeatures; k++) {
      const j = k + Math.floor(rng.next() * (width - k));
      const t = order[k] ?? 0;
      order[k] = order[j] ?? 0;
      order[j] = t;
    }
    let bestGain = MIN_GAIN;
    let bestFeature = -1;
    let bestBin = -1;
    for (let k = 0; k < tryFeatures; k++) {
      const f = order[k] ?? 0;
      const bins = (binning.cuts[f]?.length ?? 0) + 1;
      if (bins < 2) continue;
      const column = binned.subarray(f * n, (f + 1) * n);
      total.fill(0, 0, bins);
      positive.fill(0, 0, bins);
      for (let r = start; r < end; r++) {
        const row = sample[r] ?? 0;
        const b = column[row] ?? 0;
        total[b] = (total[b] ?? 0) + 1;
        positive[b] = (positive[b] ?? 0) + (labels[row] ?? 0);
      }
      let leftN = 0;
      let leftPos = 0;
      const allPos = p * size;
      for (let b = 0; b < bins - 1; b++) {
        leftN += total[b] ?? 0;
        leftPos += positive[b] ?? 0;
        const rightN = size - leftN;
        if (leftN < options.minLeaf || rightN < options.minLeaf) continue;
        const rightPos = allPos - leftPos;
        // n * gini = 2 * pos * (n - pos) / n for each side.
        const impurity = (2 * leftPos * (leftN - leftPos)) / leftN + (2 * rightPos * (rightN - rightPos)) / rightN;
        const gain = parentImpurity - impurity;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
        }
      }
    }
    if (bestFeature < 0) continue;
    // Partition the node's rows in place: bin <= bestBin to the front.
    const column = binned.subarray(bestFeature * n, (bestFeature + 1) * n);
    let lo = start;
    let hi = end - 1;
    while (lo <= hi) {
      if ((column[sample[lo] ?? 0] ?? 0) <= bestBin) lo++;
      else {
        const t = sample[lo] ?? 0;
        sample[lo] = sample[hi] ?? 0;
        sample[hi] = t;
        hi--;
      }
    }
    const current = nodes[node] as TreeNode;
    current.feature = bestFeature;
    current.gain = bestGain / sample.length;
    current.threshold = binning.cuts[bestFeature]?.[bestBin] ?? 0;
    current.left = makeNode(start, lo);
    current.right = makeNode(lo, end);
    stack.push({ node: current.left, start, end: lo, depth: depth + 1 }, { node: current.right, start: lo, end, depth: depth + 1 });
  }
  return new Tree(nodes);
}

export interface Classifier {
  readonly trees: readonly Tree[];
  predict(x: FeatureMatrix, rows: ArrayLike<number>): Float64Array;
  // Mean decrease in impurity per feature (Gini importance), summing to 1 over the features.
  importance(width: number): Float64Array;
}

class Ensemble implements Classifier {
  readonly trees: readonly Tree[];

  constructor(trees: readonly Tree[]) {
    this.trees = trees;
  }

  importance(width: number): Float64Array {
    const total = new Float64Array(width);
    for (const tree of this.trees) {
      for (let node = 0; node < tree.nodes; node++) {
        const f = tree.feature[node] ?? -1;
        if (f >= 0) total[f] = (total[f] ?? 0) + (tree.gain[node] ?? 0);
      }
    }
    const sum = total.reduce((a, b) => a + b, 0);
    return sum > 0 ? total.map((g) => g / sum) : total;
  }

  // Mean fraud probability over the trees, one score per given row of x.
  predict(x: FeatureMatrix, rows: ArrayLike<number>): Float64Array {
    const out = new Float64Array(rows.length);
    for (let k = 0; k < rows.length; k++) {
      const offset = (rows[k] ?? 0) * x.width;
      let sum = 0;
      for (const tree of this.trees) sum += tree.predictRow(x.data, offset);
      out[k] = sum / this.trees.length;
    }
    return out;
  }
}

function prepare(x: FeatureMatrix, rows: ArrayLike<number>, rng: Rng): { binning: Binning; binned: Uint8Array } {
  if (rows.length === 0) throw new Error('cannot train on zero rows');
  const binning = Binning.fit(x, rows, rng);
  return { binning, binned: binning.apply(x, rows) };
}

// One tree on every given row: the depth-2 tree of the realism report is this with maxDepth 2.
export function trainTree(x: FeatureMatrix, rows: ArrayLike<number>, labels: Uint8Array, options: TreeOptions & { seed?: string | number }): Classifier {
  const rng = new Rng(options.seed ?? 'tree');
  const { binning, binned } = prepare(x, rows, rng);
  const sample = Uint32Array.from({ length: rows.length }, (_, i) => i);
  return new Ensemble([growTree(binned, x.width, labels, sample, binning, options, rng)]);
}

// `labels[k]` is the label of rows[k] (1 = fraud).
export function trainForest(x: FeatureMatrix, rows: ArrayLike<number>, labels: Uint8Array, options: ForestOptions): Classifier {
  if (labels.length !== rows.length) throw new Error(`labels (${labels.length}) and rows (${rows.length}) differ in length`);
  const rng = new Rng(options.seed);
  const { binning, binned } = prepare(x, rows, rng.fork('bins'));
  const featuresPerSplit = options.featuresPerSplit ?? Math.max(1, Math.round(Math.sqrt(x.width)));
  const trees: Tree[] = [];
  for (let t = 0; t < options.trees; t++) {
    const treeRng = rng.fork(`tree-${t}`);
    const sample = new Uint32Array(rows.length);
    for (let k = 0; k < sample.length; k++) sample[k] = Math.floor(treeRng.next() * rows.length);
    trees.push(growTree(binned, x.width, labels, sample, binning, { ...options, featuresPerSplit }, treeRng));
  }
  return new Ensemble(trees);
}
