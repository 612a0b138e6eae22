import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Binning, trainForest, trainTree } from '../../src/analysis/forest.ts';
import type { FeatureMatrix } from '../../src/analysis/features.ts';
import { averagePrecision, rocAuc } from '../../src/analysis/metrics.ts';
import { Rng } from '../../src/bank/rng.ts';

function matrix(rows: number[][]): FeatureMatrix {
  const width = rows[0]?.length ?? 0;
  return { names: Array.from({ length: width }, (_, i) => `x${i}`), rows: rows.length, width, data: Float32Array.from(rows.flat()) };
}

const all = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

test('binning cuts at distinct values and bins by value <= cut', () => {
  const x = matrix([[1], [1], [2], [3], [3], [3]]);
  const binning = Binning.fit(x, all(6), new Rng('bins'));
  assert.deepEqual(Array.from(binning.cuts[0] ?? []), [1, 2]);
  assert.equal(binning.bin(0, 0.5), 0);
  assert.equal(binning.bin(0, 1), 0);
  assert.equal(binning.bin(0, 1.5), 1);
  assert.equal(binning.bin(0, 3), 2);
  // Many distinct values: at most MAX_BINS bins, cut points ascending.
  const wide = matrix(Array.from({ length: 1000 }, (_, i) => [i]));
  const cuts = Array.from(Binning.fit(wide, all(1000), new Rng('bins')).cuts[0] ?? []);
  assert.ok(cuts.length >= 32 && cuts.length < 64);
  assert.deepEqual(cuts, [...cuts].sort((a, b) => a - b));
});

test('a depth-1 tree finds the one informative feature and its threshold among noise', () => {
  const rng = new Rng('stump');
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const signal = rng.uniform(0, 10);
    rows.push([rng.next(), signal, rng.next()]);
    labels.push(signal > 7 ? 1 : 0);
  }
  const x = matrix(rows);
  const tree = trainTree(x, all(rows.length), Uint8Array.from(labels), { maxDepth: 1, minLeaf: 1 });
  const root = tree.trees[0];
  assert.ok(root);
  assert.equal(root.feature[0], 1);
  assert.ok(Math.abs((root.threshold[0] ?? 0) - 7) < 0.3, `threshold ${root.threshold[0]}`);
  assert.equal(root.nodes, 3);
  assert.deepEqual(Array.from(tree.importance(3)), [0, 1, 0]);
  const scores = tree.predict(x, all(rows.length));
  assert.ok(rocAuc({ scores, fraud: labels }) > 0.98);
});

test('depth 2 separates an AND of two features that one split cannot', () => {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let a = 0; a < 20; a++) {
    for (let b = 0; b < 20; b++) {
      rows.push([a, b]);
      labels.push(a >= 15 && b >= 15 ? 1 : 0);
    }
  }
  const x = matrix(rows);
  const y = Uint8Array.from(labels);
  const stump = trainTree(x, all(rows.length), y, { maxDepth: 1, minLeaf: 1 }).predict(x, all(rows.length));
  const depth2 = trainTree(x, all(rows.length), y, { maxDepth: 2, minLeaf: 1 }).predict(x, all(rows.length));
  assert.ok(averagePrecision({ scores: stump, fraud: labels }) < 0.5);
  assert.equal(averagePrecision({ scores: depth2, fraud: labels }), 1);
  assert.ok(depth2.every((p, i) => p === labels[i]));
});

test('a seeded random forest ranks held-out rows well and repeats exactly', () => {
  const rng = new Rng('forest');
  const make = (n: number) => {
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const fraud = rng.chance(0.05);
      // Fraud is larger and at night, with overlap; six columns are noise.
      rows.push([rng.normal() + (fraud ? 2 : 0), fraud ? rng.int(0, 5) : rng.int(0, 23), ...Array.from({ length: 6 }, () => rng.next())]);
      labels.push(fraud ? 1 : 0);
    }
    return { x: matrix(rows), y: Uint8Array.from(labels) };
  };
  const train = make(4000);
  const test = make(4000);
  const options = { trees: 20, maxDepth: 6, minLeaf: 5, seed: 's' };
  const forest = trainForest(train.x, all(4000), train.y, options);
  const scores = forest.predict(test.x, all(4000));
  assert.equal(forest.trees.length, 20);
  assert.ok(scores.every((s) => s >= 0 && s <= 1));
  assert.ok(rocAuc({ scores, fraud: test.y }) > 0.9);
  assert.deepEqual(trainForest(train.x, all(4000), train.y, options).predict(test.x, all(4000)), scores);
  assert.notDeepEqual(trainForest(train.x, all(4000), train.y, { ...options, seed: 'other' }).predict(test.x, all(4000)), scores);
});

test('training refuses mismatched labels and empty input', () => {
  const x = matrix([[1], [2]]);
  assert.throws(() => trainForest(x, all(2), Uint8Array.of(1), { trees: 1, maxDepth: 1, minLeaf: 1, seed: 1 }), /differ in length/);
  assert.throws(() => trainTree(x, all(0), new Uint8Array(0), { maxDepth: 1, minLeaf: 1 }), /zero rows/);
});
