import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OffsetIndex } from '../../../src/broker/log/offset-index.ts';

test('lookup returns the position of the last entry at or before the offset, 0 before the first', () => {
  const index = new OffsetIndex();
  assert.equal(index.lookup(100), 0);
  index.append(10, 1000);
  index.append(20, 2000);
  index.append(35, 3500);
  assert.deepEqual([5, 10, 19, 20, 34, 35, 1e6].map((o) => index.lookup(o)), [0, 1000, 1000, 2000, 2000, 3500, 3500]);
});

test('lookup agrees with a linear search over many entries (growth past the initial capacity)', () => {
  const index = new OffsetIndex();
  const entries: [number, number][] = [];
  for (let i = 1; i <= 5000; i++) {
    entries.push([i * 3, i * 100]);
    index.append(i * 3, i * 100);
  }
  for (let o = 0; o < 15_010; o += 7) {
    const linear = entries.filter(([rel]) => rel <= o).pop()?.[1] ?? 0;
    assert.equal(index.lookup(o), linear, `offset ${o}`);
  }
});

test('entries must move forward', () => {
  const index = new OffsetIndex();
  index.append(5, 500);
  assert.throws(() => index.append(5, 600), RangeError);
  assert.throws(() => index.append(6, 500), RangeError);
});

test('encode and decode round-trip; decode rejects files that cannot belong to the segment', () => {
  const index = new OffsetIndex();
  index.append(3, 300);
  index.append(8, 900);
  const file = index.encode();
  assert.equal(file.length, 16);
  assert.deepEqual(index.encode(1), file.subarray(8));
  const back = OffsetIndex.decode(file, 10, 1000);
  assert.ok(back);
  assert.deepEqual([back.entry(0), back.entry(1)], [{ relativeOffset: 3, position: 300 }, { relativeOffset: 8, position: 900 }]);
  assert.equal(OffsetIndex.decode(Buffer.alloc(0), 0, 0)?.entries, 0);

  assert.equal(OffsetIndex.decode(file.subarray(0, 12), 10, 1000), null, 'torn entry');
  assert.equal(OffsetIndex.decode(file, 8, 1000), null, 'offset beyond the segment');
  assert.equal(OffsetIndex.decode(file, 10, 900), null, 'position beyond the log');
  assert.equal(OffsetIndex.decode(Buffer.concat([file.subarray(8), file.subarray(0, 8)]), 10, 1000), null, 'out of order');
  assert.equal(OffsetIndex.decode(Buffer.alloc(8), 10, 1000), null, 'zero entry (preallocated garbage)');
});
