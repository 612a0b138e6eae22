import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '../../src/protocol/crc32c.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { DecodeError } from '../../src/protocol/reader.ts';
import {
  ATTRIBUTES_POS,
  BATCH_HEADER_SIZE,
  CRC_POS,
  LAST_OFFSET_DELTA_POS,
  MAGIC_POS,
  buildRecordBatch,
  checkBatch,
  compressionCodec,
  decodeRecords,
  isControl,
  isTransactional,
  isBatchError,
  maxRecordTimestamp,
  readBatchHeader,
  readInt64,
  setBaseOffset,
  setMaxTimestamp,
  setPartitionLeaderEpoch,
  splitBatches,
  timestampType,
  writeInt64,
} from '../../src/protocol/record-batch.ts';

test('buildRecordBatch writes the v2 header and decodeRecords reads every record back', () => {
  const batch = buildRecordBatch({
    baseOffset: 40,
    producerId: 9_000_000_000,
    producerEpoch: 3,
    baseSequence: 17,
    records: [
      { key: 'acct-1', value: '{"amount":1}', timestamp: 1_700_000_000_500, headers: [{ key: 'h', value: Buffer.from('v') }] },
      { key: null, value: null, timestamp: 1_700_000_000_100 },
      { value: Buffer.from([0, 1, 2]), timestamp: 1_700_000_000_900, headers: [{ key: 'nil', value: null }] },
    ],
  });
  const h = readBatchHeader(batch, 0);
  assert.equal(h.baseOffset, 40);
  assert.equal(h.batchLength, batch.length - 12);
  assert.equal(h.magic, 2);
  assert.equal(h.lastOffsetDelta, 2);
  assert.equal(h.recordCount, 3);
  assert.equal(h.baseTimestamp, 1_700_000_000_500);
  assert.equal(h.maxTimestamp, 1_700_000_000_900);
  assert.equal(h.producerId, 9_000_000_000);
  assert.equal(h.producerEpoch, 3);
  assert.equal(h.baseSequence, 17);
  assert.equal(h.partitionLeaderEpoch, -1);
  assert.equal(h.crc, crc32c(batch, ATTRIBUTES_POS));

  const records = decodeRecords(batch);
  assert.deepEqual(
    records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key?.toString() ?? null, value: r.value?.toString('hex') ?? null })),
    [
      { offset: 40, timestamp: 1_700_000_000_500, key: 'acct-1', value: Buffer.from('{"amount":1}').toString('hex') },
      { offset: 41, timestamp: 1_700_000_000_100, key: null, value: null },
      { offset: 42, timestamp: 1_700_000_000_900, key: null, value: '000102' },
    ],
  );
  assert.deepEqual(records[0]?.headers, [{ key: 'h', value: Buffer.from('v') }]);
  assert.deepEqual(records[2]?.headers, [{ key: 'nil', value: null }]);
});

test('producer fields default to "no producer" and attributes carry the transactional/control bits', () => {
  const plain = readBatchHeader(buildRecordBatch({ records: [{ value: 'x' }] }), 0);
  assert.equal(plain.producerId, -1);
  assert.equal(plain.producerEpoch, -1);
  assert.equal(plain.baseSequence, -1);
  assert.equal(compressionCodec(plain.attributes), 0);
  assert.equal(timestampType(plain.attributes), 0);
  assert.equal(isTransactional(plain.attributes), false);
  assert.equal(isControl(plain.attributes), false);

  const txn = readBatchHeader(buildRecordBatch({ records: [{ value: 'x' }], transactional: true, control: true }), 0);
  assert.equal(isTransactional(txn.attributes), true);
  assert.equal(isControl(txn.attributes), true);
  assert.equal(compressionCodec(0b100_0011), 3);
  assert.equal(timestampType(0b1000), 1);
});

test('splitBatches returns zero-copy views of consecutive batches', () => {
  const a = buildRecordBatch({ records: [{ value: 'a' }] });
  const b = buildRecordBatch({ records: [{ value: 'b1' }, { value: 'b2' }] });
  const buf = Buffer.concat([a, b]);
  const r = splitBatches(buf);
  assert.ok(r.ok);
  assert.deepEqual(r.batches.map((x) => [x.position, x.bytes.length, x.header.recordCount]), [[0, a.length, 1], [a.length, b.length, 2]]);
  assert.equal(r.batches[1]?.bytes.buffer, buf.buffer);
  assert.equal(r.batches[1]?.bytes.byteOffset, buf.byteOffset + a.length);
});

test('a flipped bit under the CRC is ErrorCode.CORRUPT_MESSAGE', () => {
  const good = buildRecordBatch({ records: [{ value: 'hello' }] });
  const buf = Buffer.concat([good, good]);
  buf[buf.length - 1] = (buf[buf.length - 1] as number) ^ 1;
  const r = splitBatches(buf);
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(r.errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.equal(r.position, good.length);
});

test('structural problems are ErrorCode.INVALID_RECORD', () => {
  const good = buildRecordBatch({ records: [{ value: 'hello' }, { value: 'world' }] });
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['cut short', good.subarray(0, good.length - 1)],
    ['trailing bytes', Buffer.concat([good, Buffer.alloc(5)])],
    ['only the length prefix', good.subarray(0, 12)],
  ];
  const magic = Buffer.from(good);
  magic.writeInt8(1, MAGIC_POS);
  cases.push(['magic 1', magic]);
  const tiny = Buffer.from(good);
  tiny.writeInt32BE(10, 8);
  cases.push(['batchLength below the header', tiny]);
  // Offsets and count must agree; the CRC is recomputed so only the inconsistency is wrong.
  const inconsistent = Buffer.from(good);
  inconsistent.writeInt32BE(5, LAST_OFFSET_DELTA_POS);
  inconsistent.writeUInt32BE(crc32c(inconsistent, ATTRIBUTES_POS), CRC_POS);
  cases.push(['lastOffsetDelta != recordCount - 1', inconsistent]);
  for (const [name, buf] of cases) {
    const r = splitBatches(buf);
    assert.ok(!r.ok, name);
    assert.equal(r.errorCode, ErrorCode.INVALID_RECORD, name);
  }
});

test('baseOffset and partitionLeaderEpoch lie outside the CRC: patching keeps the batch valid', () => {
  const buf = buildRecordBatch({ records: [{ value: 'x' }, { value: 'y' }] });
  setBaseOffset(buf, 0, 2 ** 40 + 7);
  setPartitionLeaderEpoch(buf, 0, 12);
  const r = splitBatches(buf);
  assert.ok(r.ok);
  assert.equal(r.batches[0]?.header.baseOffset, 2 ** 40 + 7);
  assert.equal(r.batches[0]?.header.partitionLeaderEpoch, 12);
  assert.deepEqual(decodeRecords(buf).map((rec) => rec.offset), [2 ** 40 + 7, 2 ** 40 + 8]);
});

test('int64 helpers are exact over the safe-integer range, including negatives', () => {
  const buf = Buffer.alloc(8);
  for (const v of [0, 1, -1, 2 ** 32, 2 ** 32 - 1, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1_700_000_000_123]) {
    writeInt64(buf, 0, v);
    assert.equal(buf.readBigInt64BE(0), BigInt(v));
    assert.equal(readInt64(buf, 0), v);
  }
  assert.throws(() => writeInt64(buf, 0, 2 ** 60), RangeError);
});

test('decodeRecords refuses compressed batches and malformed records', () => {
  const gz = buildRecordBatch({ records: [{ value: 'x' }] });
  gz.writeInt16BE(1, ATTRIBUTES_POS);
  assert.throws(() => decodeRecords(gz), DecodeError);

  const bad = buildRecordBatch({ records: [{ value: 'x' }] });
  bad.writeInt32BE(1000, BATCH_HEADER_SIZE - 4);
  assert.throws(() => decodeRecords(bad), DecodeError);

  const overLong = buildRecordBatch({ records: [{ value: 'x' }] });
  overLong[BATCH_HEADER_SIZE] = 0x7e;
  assert.throws(() => decodeRecords(overLong), DecodeError);
});

test('a batch needs at least one record', () => {
  assert.throws(() => buildRecordBatch({ records: [] }), RangeError);
});

test('maxRecordTimestamp reads the largest record timestamp; setMaxTimestamp patches it under a new CRC', () => {
  const batch = buildRecordBatch({ records: [{ value: 'a', timestamp: 5_000 }, { value: 'b', timestamp: 9_000 }, { value: 'c', timestamp: 7_000 }] });
  const before = readBatchHeader(batch, 0);
  setMaxTimestamp(batch, 0, -1);
  const unset = checkBatch(batch, 0);
  assert.ok(!isBatchError(unset), 'the CRC follows the patched field');
  assert.equal(unset.maxTimestamp, -1);
  assert.notEqual(unset.crc, before.crc);
  assert.equal(maxRecordTimestamp(batch, 0), 9_000);
  setMaxTimestamp(batch, 0, 9_000);
  assert.deepEqual(checkBatch(batch, 0), before);
  // Compressed records cannot be read without decompressing them.
  batch.writeInt16BE(batch.readInt16BE(ATTRIBUTES_POS) | 4, ATTRIBUTES_POS);
  assert.equal(maxRecordTimestamp(batch, 0), null);
});
