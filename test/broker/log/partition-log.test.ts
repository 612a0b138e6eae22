import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogError } from '../../../src/broker/log/log-error.ts';
import type { LogConfig } from '../../../src/broker/log/log-config.ts';
import { PartitionLog } from '../../../src/broker/log/partition-log.ts';
import { crc32c } from '../../../src/protocol/crc32c.ts';
import { ATTRIBUTES_POS, CRC_POS, MAGIC_POS, buildRecordBatch, readBatchHeader, splitBatches } from '../../../src/protocol/record-batch.ts';
import { T0, batch, config, headersIn, offsetsIn, range } from './fixtures.ts';
import { MemoryFs } from './memory-fs.ts';

const DIR = '/data/bank_alerts-0';
const outOfRange = (e: unknown): boolean => e instanceof LogError && e.code === ErrorCode.OFFSET_OUT_OF_RANGE && !e.retriable;

function openLog(overrides: Partial<LogConfig> = {}, fs = new MemoryFs()): { log: PartitionLog; fs: MemoryFs } {
  return { log: PartitionLog.open(DIR, config(overrides), { fs, now: T0 }), fs };
}

// Reads like a consumer: from `from` to the end, advancing past each returned batch.
function consumeAll(log: PartitionLog, from: number, maxBytes: number): number[] {
  const seen: number[] = [];
  let offset = from;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, maxBytes);
    const headers = headersIn(r.records);
    assert.ok(headers.length > 0, `no progress at ${offset}`);
    for (const o of offsetsIn(r.records)) if (o >= offset) seen.push(o);
    const last = headers[headers.length - 1] as (typeof headers)[number];
    offset = last.baseOffset + last.lastOffsetDelta + 1;
  }
  return seen;
}

test('a new log is empty: offsets 0, segment files created, fetch at 0 returns nothing', () => {
  const { log, fs } = openLog();
  assert.equal(log.logStartOffset, 0);
  assert.equal(log.logEndOffset, 0);
  assert.equal(log.sizeInBytes, 0);
  assert.deepEqual(fs.fileNames(DIR), ['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex']);
  assert.deepEqual(log.read(0, 1024), { records: null, logStartOffset: 0, logEndOffset: 0 });
  assert.throws(() => log.read(1, 1024), outOfRange);
});

test('append assigns consecutive offsets by patching baseOffset, read returns the stored bytes', () => {
  const { log } = openLog();
  const a = batch(3);
  const r1 = log.append(a);
  assert.deepEqual([r1.baseOffset, r1.lastOffset, r1.logAppendTime, r1.logStartOffset], [0, 2, -1, 0]);
  const two = Buffer.concat([batch(2, { tag: 'b' }), batch(4, { tag: 'c' })]);
  const r2 = log.append(two);
  assert.deepEqual([r2.baseOffset, r2.lastOffset], [3, 8]);
  assert.deepEqual(r2.batches.map((h) => h.baseOffset), [3, 5]);
  assert.equal(readBatchHeader(two, 0).baseOffset, 3, 'patched in place');
  assert.equal(log.logEndOffset, 9);
  assert.equal(log.sizeInBytes, a.length + two.length);

  const read = log.read(0, 1 << 20);
  assert.deepEqual(read.records, Buffer.concat([a, two]));
  assert.deepEqual(offsetsIn(read.records), range(0, 9));
  assert.equal(read.logEndOffset, 9);
});

test('a fetch offset inside a batch returns that whole batch first', () => {
  const { log } = openLog();
  log.append(batch(5));
  log.append(batch(5));
  const r = log.read(7, 1 << 20);
  assert.deepEqual(headersIn(r.records).map((h) => h.baseOffset), [5]);
  assert.deepEqual(offsetsIn(r.records), range(5, 10));
  assert.deepEqual(headersIn(log.read(4, 1 << 20).records).map((h) => h.baseOffset), [0, 5]);
});

test('maxBytes cuts at whole batches; a first batch larger than maxBytes still comes back whole (KIP-74)', () => {
  const { log } = openLog();
  const sizes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const b = batch(2, { valueSize: 100 });
    sizes.push(b.length);
    log.append(b);
  }
  const size = sizes[0] as number;
  assert.deepEqual(headersIn(log.read(0, size * 2 + 10).records).map((h) => h.baseOffset), [0, 2]);
  assert.deepEqual(headersIn(log.read(0, size * 2).records).map((h) => h.baseOffset), [0, 2]);
  assert.deepEqual(headersIn(log.read(0, size * 2 - 1).records).map((h) => h.baseOffset), [0]);
  assert.equal(log.read(3, 1).records?.length, size, 'one whole batch even with maxBytes 1');
  assert.equal(log.read(3, 0).records?.length, size);
  assert.equal(log.read(3, 1, false).records, null, 'not the first partition: nothing rather than too much');
  assert.equal(log.read(3, size, false).records?.length, size);
});

test('fetch offsets outside [logStartOffset, logEndOffset] throw ErrorCode.OFFSET_OUT_OF_RANGE; at the end it is empty', () => {
  const { log } = openLog();
  log.append(batch(3));
  assert.throws(() => log.read(-1, 100), outOfRange);
  assert.throws(() => log.read(4, 100), outOfRange);
  const atEnd = log.read(3, 100);
  assert.deepEqual([atEnd.records, atEnd.logStartOffset, atEnd.logEndOffset], [null, 0, 3]);
});

test('segments roll at segment.bytes and reads continue across them', () => {
  const one = batch(4, { valueSize: 50 });
  const { log, fs } = openLog({ segmentBytes: one.length * 3 });
  for (let i = 0; i < 10; i++) log.append(batch(4, { valueSize: 50 }));
  assert.deepEqual(log.segmentBaseOffsets, [0, 12, 24, 36]);
  assert.ok(fs.has(`${DIR}/00000000000000000024.log`));
  assert.equal(log.sizeInBytes, one.length * 10);
  assert.deepEqual(consumeAll(log, 0, 1 << 20), range(0, 40));
  assert.deepEqual(consumeAll(log, 13, one.length * 2), range(13, 40));
  for (let o = 0; o < 40; o++) {
    assert.equal(headersIn(log.read(o, 1).records)[0]?.baseOffset, o - (o % 4), `offset ${o}`);
  }
});

test('a single append larger than segment.bytes goes whole into a fresh segment', () => {
  const { log } = openLog({ segmentBytes: 200 });
  log.append(batch(1));
  log.append(Buffer.concat([batch(3, { valueSize: 100 }), batch(3, { valueSize: 100 })]));
  log.append(batch(1));
  assert.deepEqual(log.segmentBaseOffsets, [0, 1, 7]);
  assert.deepEqual(consumeAll(log, 0, 1 << 20), range(0, 8));
});

test('segment.ms rolls by record time, measured from the first batch of the segment', () => {
  const { log } = openLog({ segmentMs: 60_000 });
  log.append(batch(1, { timestamp: T0 }));
  log.append(batch(1, { timestamp: T0 + 60_000 }));
  assert.equal(log.segmentCount, 1);
  log.append(batch(1, { timestamp: T0 + 60_001 }));
  assert.deepEqual(log.segmentBaseOffsets, [0, 2]);
  // Replayed old data does not roll just because it arrives late: the record times are close together.
  log.append(batch(1, { timestamp: T0 + 60_001 }), { now: T0 + 10 * 60_000 });
  assert.equal(log.segmentCount, 2);
});

test('the sparse index finds the right batch for every offset of thousands of batches, before and after reopen', () => {
  const fs = new MemoryFs();
  const cfg = { indexIntervalBytes: 300, segmentBytes: 64 * 1024 };
  const { log } = openLog(cfg, fs);
  // Linear reference: [baseOffset, lastOffset] per batch in append order.
  const expected: [number, number][] = [];
  let x = 7;
  for (let i = 0; i < 3000; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const count = 1 + (x % 5);
    const r = log.append(batch(count, { valueSize: 5 + ((x >>> 8) % 200) }));
    expected.push([r.baseOffset, r.lastOffset]);
  }
  assert.ok(log.segmentCount > 5, `only ${log.segmentCount} segments`);
  const check = (l: PartitionLog): void => {
    let b = 0;
    for (let o = 0; o < l.logEndOffset; o++) {
      while ((expected[b] as [number, number])[1] < o) b++;
      const first = headersIn(l.read(o, 1).records)[0];
      assert.equal(first?.baseOffset, (expected[b] as [number, number])[0], `offset ${o}`);
    }
  };
  check(log);
  log.close();
  const reopened = PartitionLog.open(DIR, config(cfg), { fs });
  assert.equal(reopened.logEndOffset, (expected[expected.length - 1] as [number, number])[1] + 1);
  check(reopened);
});

test('offsetForTimestamp: earliest offset whose timestamp >= ts, matching a brute-force scan', () => {
  const fs = new MemoryFs();
  const cfg = { indexIntervalBytes: 200, segmentBytes: 8 * 1024 };
  const { log } = openLog(cfg, fs);
  const all: { offset: number; timestamp: number }[] = [];
  let x = 3;
  let base = T0;
  for (let i = 0; i < 400; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    // Mostly rising timestamps with some going back, as with several producers.
    base += (x % 7) * 10;
    const timestamps = Array.from({ length: 1 + (x % 4) }, (_, j) => base - ((x >>> (4 + j)) % 3) * 25);
    const r = log.append(batch(timestamps.length, { timestamps }));
    timestamps.forEach((timestamp, j) => all.push({ offset: r.baseOffset + j, timestamp }));
  }
  assert.ok(log.segmentCount > 3);
  const brute = (ts: number): { offset: number; timestamp: number } | null => all.find((r) => r.timestamp >= ts) ?? null;
  const maxTs = Math.max(...all.map((r) => r.timestamp));
  const probes = [T0 - 1000, T0, T0 + 1, maxTs, maxTs + 1];
  for (let i = 0; i < 300; i++) probes.push(T0 + Math.floor(((i * 7919) % 1000) / 1000 * (maxTs - T0)));
  for (const ts of probes) assert.deepEqual(log.offsetForTimestamp(ts), brute(ts), `ts ${ts}`);
  log.close();
  const reopened = PartitionLog.open(DIR, config(cfg), { fs });
  for (const ts of probes) assert.deepEqual(reopened.offsetForTimestamp(ts), brute(ts), `after reopen, ts ${ts}`);
});

test('offsetForTimestamp answers a compressed batch with its baseOffset, never inflating it', () => {
  const { log } = openLog();
  log.append(batch(3, { timestamp: T0 }));
  // Mark a batch as gzip without compressing it: the log must not try to read its records.
  const fake = batch(3, { timestamp: T0 + 100 });
  fake.writeInt16BE(1, ATTRIBUTES_POS);
  fake.writeUInt32BE(crc32c(fake, ATTRIBUTES_POS), CRC_POS);
  log.append(fake);
  assert.deepEqual(log.offsetForTimestamp(T0 + 101), { offset: 3, timestamp: T0 + 102 });
  assert.deepEqual(log.offsetForTimestamp(T0 + 1), { offset: 1, timestamp: T0 + 1 });
  assert.equal(log.offsetForTimestamp(T0 + 103), null);
});

test('offsetOfMaxTimestamp: the first record with the largest timestamp, across segments', () => {
  const { log } = openLog({ segmentBytes: 300 });
  assert.equal(log.offsetOfMaxTimestamp(), null);
  log.append(batch(3, { timestamps: [T0, T0 + 50, T0 + 20] }));
  log.append(batch(3, { timestamps: [T0 + 10, T0 + 90, T0 + 90] }));
  log.append(batch(2, { timestamps: [T0 + 30, T0 + 40] }));
  assert.ok(log.segmentCount > 1);
  assert.deepEqual(log.offsetOfMaxTimestamp(), { offset: 4, timestamp: T0 + 90 });
});

test('retention.bytes deletes the oldest whole segments while the log stays at or above the limit', () => {
  const one = batch(2);
  const { log, fs } = openLog({ segmentBytes: one.length * 2, retentionBytes: one.length * 5 });
  for (let i = 0; i < 9; i++) log.append(batch(2));
  assert.deepEqual(log.segmentBaseOffsets, [0, 4, 8, 12, 16]);
  const res = log.applyRetention(T0);
  assert.deepEqual(res, { deletedSegments: 2, deletedBytes: one.length * 4 });
  assert.deepEqual(log.segmentBaseOffsets, [8, 12, 16]);
  assert.equal(log.logStartOffset, 8);
  assert.equal(log.sizeInBytes, one.length * 5);
  assert.equal(fs.has(`${DIR}/00000000000000000000.log`), false);
  assert.equal(fs.has(`${DIR}/00000000000000000004.index`), false);
  assert.throws(() => log.read(7, 100), outOfRange);
  assert.deepEqual(consumeAll(log, 8, 1 << 20), range(8, 18));

  // Never the active segment, however small the limit.
  log.updateConfig({ ...log.config, retentionBytes: 0 });
  log.applyRetention(T0);
  assert.deepEqual(log.segmentBaseOffsets, [16]);
  assert.equal(log.logStartOffset, 16);
  assert.equal(log.logEndOffset, 18);
});

test('retention.ms deletes segments whose newest record is older than now - retention.ms', () => {
  const one = batch(1);
  const { log } = openLog({ segmentBytes: one.length * 2, retentionMs: 1000 });
  for (let i = 0; i < 8; i++) log.append(batch(1, { timestamp: T0 + i * 100 }));
  assert.deepEqual(log.segmentBaseOffsets, [0, 2, 4, 6]);
  // Segment [2, 3] has newest timestamp T0 + 300.
  assert.equal(log.applyRetention(T0 + 1300).deletedSegments, 1);
  assert.equal(log.logStartOffset, 2);
  assert.equal(log.applyRetention(T0 + 1301).deletedSegments, 1);
  assert.equal(log.logStartOffset, 4);
  assert.equal(log.applyRetention(T0 + 100_000).deletedSegments, 1, 'the active segment stays');
  assert.deepEqual(log.segmentBaseOffsets, [6]);
});

test('retention -1 keeps everything', () => {
  const { log } = openLog({ segmentBytes: 100, retentionBytes: -1, retentionMs: -1 });
  for (let i = 0; i < 5; i++) log.append(batch(1, { timestamp: 1 }));
  assert.deepEqual(log.applyRetention(T0 * 2), { deletedSegments: 0, deletedBytes: 0 });
  assert.equal(log.segmentCount, 5);
});

test('a bad CRC is ErrorCode.CORRUPT_MESSAGE and nothing of the request is appended or patched', () => {
  const { log, fs } = openLog();
  log.append(batch(2));
  const good = batch(2);
  const bad = batch(2);
  bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
  const request = Buffer.concat([good, bad]);
  const before = Buffer.from(request);
  const size = fs.readFile(`${DIR}/00000000000000000000.log`).length;
  assert.throws(() => log.append(request), (err: unknown) => err instanceof LogError && err.code === ErrorCode.CORRUPT_MESSAGE && !err.retriable);
  assert.deepEqual(request, before);
  assert.equal(log.logEndOffset, 2);
  assert.equal(fs.readFile(`${DIR}/00000000000000000000.log`).length, size);
  assert.equal(log.append(batch(1)).baseOffset, 2);
});

test('bad magic and lengths are ErrorCode.INVALID_RECORD; oversized batches are ErrorCode.MESSAGE_TOO_LARGE', () => {
  const { log } = openLog({ maxMessageBytes: 500 });
  const magic = batch(1);
  magic.writeInt8(1, MAGIC_POS);
  const codeOf = (buf: Buffer): number => {
    try {
      log.append(buf);
    } catch (err) {
      if (err instanceof LogError) return err.code;
      throw err;
    }
    return 0;
  };
  assert.equal(codeOf(magic), ErrorCode.INVALID_RECORD);
  assert.equal(codeOf(batch(1).subarray(0, 40)), ErrorCode.INVALID_RECORD);
  assert.equal(codeOf(Buffer.alloc(0)), ErrorCode.INVALID_RECORD);
  assert.equal(codeOf(batch(5, { valueSize: 100 })), ErrorCode.MESSAGE_TOO_LARGE);
  assert.equal(log.logEndOffset, 0);
  assert.equal(log.sizeInBytes, 0);
});

test('partitionLeaderEpoch is stamped when given; pre-split batches skip re-validation', () => {
  const { log } = openLog();
  const buf = Buffer.concat([batch(1), batch(2)]);
  const split = splitBatches(buf);
  assert.ok(split.ok);
  const r = log.append(buf, { batches: split.batches, partitionLeaderEpoch: 4 });
  assert.deepEqual(r.batches.map((h) => [h.baseOffset, h.partitionLeaderEpoch]), [[0, 4], [1, 4]]);
  assert.deepEqual(headersIn(log.read(0, 1 << 20).records).map((h) => h.partitionLeaderEpoch), [4, 4]);
  assert.throws(() => log.append(Buffer.concat([buf, batch(1)]), { batches: split.batches }), (e: unknown) => e instanceof LogError && e.code === ErrorCode.INVALID_RECORD);
});

test('flush fsyncs written segments only; close flushes; deleteAll removes the directory', () => {
  const { log, fs } = openLog();
  log.append(batch(1));
  const before = fs.fsyncs;
  log.flush();
  assert.equal(fs.fsyncs - before, 3);
  log.flush();
  assert.equal(fs.fsyncs - before, 3, 'nothing new to flush');
  log.append(batch(1));
  log.close();
  assert.equal(fs.fsyncs - before, 6);
  assert.equal(fs.openFds, 0);
  assert.throws(() => log.append(batch(1)), (e: unknown) => e instanceof LogError && e.code === ErrorCode.KAFKA_STORAGE_ERROR);
  const reopened = PartitionLog.open(DIR, config(), { fs });
  assert.equal(reopened.logEndOffset, 2);
  reopened.deleteAll();
  assert.equal(fs.openFds, 0);
  assert.equal(fs.has(`${DIR}/00000000000000000000.log`), false);
  assert.throws(() => fs.readdir(DIR));
});

test('records built for internal topics round-trip through the log', () => {
  const { log } = openLog();
  const value = Buffer.from(JSON.stringify({ group: 'g', offset: 42 }));
  log.append(buildRecordBatch({ records: [{ key: 'g:bank_alerts:0', value, timestamp: T0 }] }));
  const [stored] = headersIn(log.read(0, 1000).records);
  assert.equal(stored?.recordCount, 1);
  assert.equal(stored?.baseTimestamp, T0);
});
