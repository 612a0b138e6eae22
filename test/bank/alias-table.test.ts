import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AliasTable } from '../../src/bank/alias-table.ts';
import { Rng } from '../../src/bank/rng.ts';

test('draws each item in proportion to its weight', () => {
  const weights = [1, 0, 3, 0.5, 5.5];
  const table = new AliasTable(Int32Array.from([10, 11, 12, 13, 14]), weights);
  const rng = new Rng('alias');
  const counts = new Map<number, number>();
  const draws = 200_000;
  for (let i = 0; i < draws; i++) {
    const item = table.pick(rng.next());
    counts.set(item, (counts.get(item) ?? 0) + 1);
  }
  weights.forEach((w, i) => {
    const share = (counts.get(10 + i) ?? 0) / draws;
    assert.ok(Math.abs(share - w / 10) < 0.005, `item ${10 + i}: ${share} for weight share ${w / 10}`);
  });
});

test('one item, and the ends of [0, 1)', () => {
  const table = new AliasTable(Int32Array.from([7]), [2]);
  assert.equal(table.pick(0), 7);
  assert.equal(table.pick(0.999999), 7);
  assert.throws(() => new AliasTable(new Int32Array(0), []), RangeError);
});
