import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimeIndex } from '../../../src/broker/log/time-index.ts';

const T = 1_700_000_000_000;

test('only entries that raise the maximum are kept', () => {
  const index = new TimeIndex();
  assert.equal(index.lastTimestamp, -1);
  assert.equal(index.maybeAppend(-1, 0), false);
  assert.equal(index.maybeAppend(T, 4), true);
  assert.equal(index.maybeAppend(T, 9), false);
  assert.equal(index.maybeAppend(T - 5, 9), false);
  assert.equal(index.maybeAppend(T + 1, 9), true);
  assert.deepEqual([index.entries, index.lastTimestamp, index.lastRelativeOffset], [2, T + 1, 9]);
  assert.throws(() => index.maybeAppend(T + 2, 3), RangeError);
});

test('lastOffsetBefore finds the last entry strictly older than ts', () => {
  const index = new TimeIndex();
  for (let i = 0; i < 100; i++) index.maybeAppend(T + i * 10, i * 2);
  assert.equal(index.lastOffsetBefore(T), -1);
  assert.equal(index.lastOffsetBefore(T + 1), 0);
  assert.equal(index.lastOffsetBefore(T + 10), 0);
  assert.equal(index.lastOffsetBefore(T + 11), 2);
  assert.equal(index.lastOffsetBefore(T + 10_000), 198);
});

test('encode and decode round-trip; decode rejects torn or disordered files', () => {
  const index = new TimeIndex();
  index.maybeAppend(T, 0);
  index.maybeAppend(T + 2 ** 40, 7);
  const file = index.encode();
  assert.equal(file.length, 24);
  const back = TimeIndex.decode(file, 8);
  assert.deepEqual(back?.entry(1), { timestamp: T + 2 ** 40, relativeOffset: 7 });
  assert.deepEqual(index.encode(1), file.subarray(12));
  assert.equal(TimeIndex.decode(file.subarray(0, 20), 8), null);
  assert.equal(TimeIndex.decode(file, 7), null);
  assert.equal(TimeIndex.decode(Buffer.concat([file.subarray(12), file.subarray(0, 12)]), 8), null);
});
