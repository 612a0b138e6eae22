import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/bank/rng.ts';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.uint32());
}

test('the same seed gives the same sequence; numbers and their strings are the same seed', () => {
  assert.deepEqual(draws(new Rng('abc'), 100), draws(new Rng('abc'), 100));
  assert.deepEqual(draws(new Rng(42), 100), draws(new Rng('42'), 100));
});

test('nearby seeds give unrelated sequences', () => {
  const a = draws(new Rng(1), 1000);
  const b = draws(new Rng(2), 1000);
  const same = a.filter((x, i) => x === b[i]).length;
  assert.ok(same < 3, `sequences for seeds 1 and 2 share ${same} values`);
});

test('next() stays in [0, 1) with a uniform mean', () => {
  const rng = new Rng('uniform');
  let sum = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = rng.next();
    assert.ok(x >= 0 && x < 1);
    sum += x;
  }
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01);
});

test('int() covers both bounds and nothing outside them', () => {
  const rng = new Rng('int');
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const x = rng.int(3, 7);
    assert.ok(Number.isInteger(x) && x >= 3 && x <= 7);
    seen.add(x);
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6, 7]);
});

test('normal() has mean 0 and variance 1; logNormal() has the requested median', () => {
  const rng = new Rng('normal');
  const n = 200_000;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.normal();
    sum += x;
    squares += x * x;
  }
  assert.ok(Math.abs(sum / n) < 0.01);
  assert.ok(Math.abs(squares / n - 1) < 0.02);
  const samples = Array.from({ length: 20_001 }, () => rng.logNormal(50, 0.9)).sort((x, y) => x - y);
  assert.ok(Math.abs((samples[10_000] ?? 0) - 50) < 2);
});

test('weighted() follows the weights and never picks a zero weight', () => {
  const rng = new Rng('weighted');
  const counts = [0, 0, 0];
  for (let i = 0; i < 30_000; i++) counts[rng.weighted([1, 0, 3])]! += 1;
  assert.equal(counts[1], 0);
  assert.ok(Math.abs((counts[2] ?? 0) / 30_000 - 0.75) < 0.02);
});

test('exponential() has the requested mean', () => {
  const rng = new Rng('exp');
  let sum = 0;
  for (let i = 0; i < 100_000; i++) sum += rng.exponential(20);
  assert.ok(Math.abs(sum / 100_000 - 20) < 0.3);
});

test('fork() streams are reproducible and independent of each other', () => {
  const a = new Rng('root');
  const b = new Rng('root');
  assert.deepEqual(draws(a.fork('x'), 10), draws(b.fork('x'), 10));
  const c = new Rng('root');
  assert.notDeepEqual(draws(c.fork('x'), 10), draws(new Rng('root').fork('y'), 10));
});
