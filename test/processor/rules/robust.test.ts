import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, medianAbsoluteDeviation, pushBounded, retain, withRoom } from '../../../src/processor/rules/robust.ts';

test('pushBounded keeps the newest max values in order; a full list turns over in place', () => {
  let list: number[] = [];
  const seen = new Set<number[]>();
  for (let i = 0; i < 40; i++) {
    list = pushBounded(list, i, 32);
    seen.add(list);
    assert.deepEqual(list, Array.from({ length: Math.min(i + 1, 32) }, (_, j) => Math.max(0, i - 31) + j));
  }
  // Grown in a few steps (room for 4, 8, 16, 32), then the same list.
  assert.equal(seen.size, 4);
  const full = list;
  assert.equal(pushBounded(full, 40, 32), full);
  assert.equal(full.at(-1), 40);
  // A list longer than max (read from a snapshot written with a larger bound) is cut to max.
  assert.deepEqual(pushBounded([1, 2, 3, 4, 5], 6, 3), [4, 5, 6]);
});

test('pushBounded: a list of at most 16 values gets its storage once', () => {
  let list: string[] = [];
  const seen = new Set<string[]>();
  for (let i = 0; i < 20; i++) {
    list = pushBounded(list, `p${i}`, 8);
    seen.add(list);
  }
  assert.equal(seen.size, 1);
  assert.deepEqual(list, Array.from({ length: 8 }, (_, j) => `p${12 + j}`));
});

test('withRoom makes a list that long, keeping its values', () => {
  const list = withRoom(['a', 'b'], 5, 10);
  assert.equal(list.length, 5);
  assert.deepEqual(list.slice(0, 2), ['a', 'b']);
  const same = withRoom(list, 3, 10);
  assert.equal(same, list, 'room enough: the same list');
  assert.equal(same.length, 3);
  assert.deepEqual(same.slice(0, 2), ['a', 'b']);
});

test('retain keeps the values that pass, in order, in place', () => {
  const list = [1, 5, 2, 6, 3, 7];
  retain(list, (v) => v > 2);
  assert.deepEqual(list, [5, 6, 3, 7]);
  retain(list, () => false);
  assert.deepEqual(list, []);
});

test('median and MAD of a range of a list', () => {
  const values = [100, 1, 3, 2, 10, 100];
  assert.equal(median(values, 1, 5), 2.5);
  assert.equal(median(values), 6.5);
  assert.equal(medianAbsoluteDeviation(values, 2.5, 1, 4), 0.5);
});
