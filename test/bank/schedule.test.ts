import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Schedule } from '../../src/bank/schedule.ts';
import { Rng } from '../../src/bank/rng.ts';

test('pops in time order, ties in insertion order', () => {
  const schedule = new Schedule<string>();
  schedule.push(30, 'c');
  schedule.push(10, 'a1');
  schedule.push(20, 'b');
  schedule.push(10, 'a2');
  assert.equal(schedule.nextAt, 10);
  const order: string[] = [];
  for (let item = schedule.pop(); item !== undefined; item = schedule.pop()) order.push(item);
  assert.deepEqual(order, ['a1', 'a2', 'b', 'c']);
  assert.equal(schedule.nextAt, Number.POSITIVE_INFINITY);
  assert.equal(schedule.size, 0);
});

test('agrees with a stable sort for interleaved pushes and pops', () => {
  const rng = new Rng('heap');
  const schedule = new Schedule<number>();
  const reference: { at: number; id: number }[] = [];
  let id = 0;
  for (let round = 0; round < 5_000; round++) {
    if (rng.chance(0.6) || reference.length === 0) {
      const at = rng.int(0, 50);
      schedule.push(at, id);
      reference.push({ at, id });
      id++;
    } else {
      reference.sort((a, b) => a.at - b.at || a.id - b.id);
      assert.equal(schedule.pop(), reference.shift()?.id);
    }
  }
});

test('keeps the order while it grows past its first capacity', () => {
  const rng = new Rng('grow');
  const schedule = new Schedule<number>();
  const reference: { at: number; id: number }[] = [];
  for (let id = 0; id < 20_000; id++) {
    const at = rng.int(0, 5_000);
    schedule.push(at, id);
    reference.push({ at, id });
  }
  reference.sort((a, b) => a.at - b.at || a.id - b.id);
  const popped: number[] = [];
  for (let item = schedule.pop(); item !== undefined; item = schedule.pop()) popped.push(item);
  assert.deepEqual(popped, reference.map((r) => r.id));
});
