import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '../../src/protocol/crc32c.ts';

// Bit-at-a-time reference, straight from the definition, to check the table-driven paths against.
function reference(buf: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test('standard check value and RFC 3720 (iSCSI) vectors', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
});

test('matches the bitwise reference for every length and alignment around the block sizes', () => {
  const data = Buffer.alloc(600);
  let x = 12345;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  for (let start = 0; start < 8; start++) {
    for (let len = 0; len < 300; len += start + 1) {
      const view = data.subarray(start, start + len);
      assert.equal(crc32c(view), reference(view), `start ${start} length ${len}`);
      assert.equal(crc32c(data, start, start + len), reference(view), `range start ${start} length ${len}`);
    }
  }
});

test('a range is checksummed exactly like the same bytes on their own', () => {
  const data = Buffer.from('xxxx123456789yyyy');
  assert.equal(crc32c(data, 4, 13), 0xe3069283);
});

test('rejects a range outside the buffer', () => {
  assert.throws(() => crc32c(Buffer.alloc(4), 0, 5), RangeError);
  assert.throws(() => crc32c(Buffer.alloc(4), 3, 2), RangeError);
});
