// Idempotent produce bookkeeping: duplicates, gaps, epochs, sequence wrap-around, and recovery of the state
// from snapshots and from the log itself.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import pino from 'pino';
import { ProducerIdAllocator, PRODUCER_IDS_FILE } from '../../../src/broker/coordinator/producer-ids.ts';
import { PartitionProducerState, ProducerStateManager, SNAPSHOT_FILE, lastSequence } from '../../../src/broker/coordinator/producer-state.ts';
import type { IdempotenceCheck } from '../../../src/broker/coordinator/producer-state.ts';
import { TopicStore, type Partition } from '../../../src/broker/topic-store.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { buildRecordBatch, readBatchHeader } from '../../../src/protocol/record-batch.ts';
import type { BatchHeader } from '../../../src/protocol/record-batch.ts';
import { tempDir } from '../../helpers/broker.ts';

const logger = pino({ level: 'silent' });
const INT32_MAX = 2 ** 31 - 1;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function batch(producerId: number, epoch: number, baseSequence: number, count = 1): Buffer {
  return buildRecordBatch({ producerId, producerEpoch: epoch, baseSequence, records: Array.from({ length: count }, (_, i) => ({ value: `v${baseSequence + i}` })) });
}

function header(producerId: number, epoch: number, baseSequence: number, count = 1): BatchHeader {
  return readBatchHeader(batch(producerId, epoch, baseSequence, count), 0);
}

// Checks and, when accepted, "appends" at `offset` the way the produce handler does.
function produce(s: PartitionProducerState, h: BatchHeader, offset: number): IdempotenceCheck {
  const r = s.check([h]);
  if (r.kind === 'append') r.commit([{ ...h, baseOffset: offset }]);
  return r;
}

test('in-sequence batches append; a retry of any of the last five is a duplicate with its first offset', () => {
  const s = new PartitionProducerState();
  let offset = 0;
  for (let seq = 0; seq < 40; seq += 4) {
    assert.equal(produce(s, header(7, 0, seq, 4), offset).kind, 'append');
    offset += 4;
  }
  for (let k = 0; k < 5; k++) {
    const seq = 36 - 4 * k;
    assert.deepEqual(s.check([header(7, 0, seq, 4)]), { kind: 'duplicate', firstOffset: seq, lastOffset: seq + 3 });
  }
  // Older than the last five: no longer recognisable, and not the next in sequence either.
  const old = s.check([header(7, 0, 16, 4)]);
  assert.equal(old.kind === 'error' && old.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  // Same first sequence but a different length is not the same batch.
  const resized = s.check([header(7, 0, 36, 2)]);
  assert.equal(resized.kind === 'error' && resized.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('gaps are OUT_OF_ORDER_SEQUENCE_NUMBER; epochs fence older producers; new epochs start at 0', () => {
  const s = new PartitionProducerState();
  assert.equal(produce(s, header(1, 0, 0, 5), 0).kind, 'append');
  const gap = s.check([header(1, 0, 6)]);
  assert.equal(gap.kind === 'error' && gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(produce(s, header(1, 0, 5), 5).kind, 'append');
  const badStart = s.check([header(1, 1, 3)]);
  assert.equal(badStart.kind === 'error' && badStart.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(produce(s, header(1, 1, 0), 6).kind, 'append');
  const fenced = s.check([header(1, 0, 6)]);
  assert.equal(fenced.kind === 'error' && fenced.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  // A producer we know nothing about may start anywhere (its state may have expired).
  assert.equal(produce(s, header(2, 0, 1000), 7).kind, 'append');
  // Several batches in one request are checked against each other.
  assert.equal(s.check([header(3, 0, 0, 2), header(3, 0, 2, 2)]).kind, 'append');
  const inner = s.check([header(3, 0, 0, 2), header(3, 0, 3, 2)]);
  assert.equal(inner.kind === 'error' && inner.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  // Non-idempotent batches are not tracked.
  assert.equal(s.check([readBatchHeader(buildRecordBatch({ records: [{ value: 'x' }] }), 0)]).kind, 'append');
  const noSeq = s.check([header(4, 0, -1)]);
  assert.equal(noSeq.kind === 'error' && noSeq.errorCode, ErrorCode.INVALID_RECORD);
  const txn = s.check([readBatchHeader(buildRecordBatch({ producerId: 5, producerEpoch: 0, baseSequence: 0, transactional: true, records: [{ value: 'x' }] }), 0)]);
  assert.equal(txn.kind === 'error' && txn.errorCode, ErrorCode.INVALID_TXN_STATE);
});

test('sequences wrap to 0 after 2^31-1', () => {
  assert.equal(lastSequence(INT32_MAX - 1, 3), 1);
  assert.equal(lastSequence(INT32_MAX, 0), INT32_MAX);
  const s = new PartitionProducerState();
  assert.equal(produce(s, header(9, 0, INT32_MAX - 1, 2), 0).kind, 'append');
  assert.equal(produce(s, header(9, 0, 0, 2), 2).kind, 'append');
  const wrapped = new PartitionProducerState();
  assert.equal(produce(wrapped, header(9, 0, INT32_MAX - 1, 4), 0).kind, 'append');
  assert.equal(wrapped.entry(9)?.batches[0]?.lastSeq, 1);
  assert.equal(produce(wrapped, header(9, 0, 2), 4).kind, 'append');
});

// What the produce handler does with a batch: check it, and append and commit it if it is new.
function append(m: ProducerStateManager, partition: Partition, buf: Buffer): IdempotenceCheck {
  const r = m.forPartition(partition).check([readBatchHeader(buf, 0)]);
  if (r.kind === 'append') r.commit(partition.log.append(buf).batches);
  return r;
}

test('state is rebuilt from the log after a crash, and from snapshot plus log tail after a clean close', () => {
  const d = tempDir('buzzline-pstate-');
  dirs.push(d);
  let topics = TopicStore.open(d);
  const p = topics.create('t', 1).partitions[0];
  assert.ok(p);
  let m = ProducerStateManager.open(topics, logger);
  for (let seq = 0; seq < 30; seq += 3) assert.equal(append(m, p, batch(42, 0, seq, 3)).kind, 'append');
  append(m, p, buildRecordBatch({ records: [{ value: 'plain' }] }));
  // A "crash": the manager is dropped without writing its snapshot; only the log remains.
  topics.close();
  topics = TopicStore.open(d);
  const p2 = topics.partition('t', 0);
  assert.ok(p2);
  m = ProducerStateManager.open(topics, logger);
  assert.deepEqual(m.forPartition(p2).check([header(42, 0, 27, 3)]), { kind: 'duplicate', firstOffset: 27, lastOffset: 29 });
  assert.equal(append(m, p2, batch(42, 0, 30, 2)).kind, 'append');
  m.close();
  assert.ok(fs.existsSync(path.join(p2.log.dir, SNAPSHOT_FILE)));
  // More appends after the snapshot, then a crash: snapshot + the log's tail.
  m = ProducerStateManager.open(topics, logger);
  assert.equal(append(m, p2, batch(42, 0, 32, 1)).kind, 'append');
  topics.close();
  topics = TopicStore.open(d);
  const p3 = topics.partition('t', 0);
  assert.ok(p3);
  m = ProducerStateManager.open(topics, logger);
  assert.deepEqual(m.forPartition(p3).check([header(42, 0, 32, 1)]), { kind: 'duplicate', firstOffset: 33, lastOffset: 33 });
  assert.deepEqual(m.forPartition(p3).check([header(42, 0, 30, 2)]), { kind: 'duplicate', firstOffset: 31, lastOffset: 32 });
  const gap = m.forPartition(p3).check([header(42, 0, 34, 1)]);
  assert.equal(gap.kind === 'error' && gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  m.close();
  topics.close();
});

test('a snapshot ahead of the log (which lost its tail) or a damaged one is ignored in favour of the log', () => {
  const d = tempDir('buzzline-pstate-');
  dirs.push(d);
  let topics = TopicStore.open(d);
  const p = topics.create('t', 1).partitions[0];
  assert.ok(p);
  let m = ProducerStateManager.open(topics, logger);
  for (let seq = 0; seq < 3; seq++) assert.equal(append(m, p, batch(5, 0, seq)).kind, 'append');
  m.close();
  topics.close();
  const snap = path.join(d, 't-0', SNAPSHOT_FILE);
  const good = fs.readFileSync(snap);
  const variants: [string, Buffer][] = [
    ['ahead of the log', Buffer.from(good.toString().replace('"offset":3', '"offset":99'))],
    ['flipped byte', Buffer.concat([good.subarray(0, 20), Buffer.from('#'), good.subarray(21)])],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [name, bytes] of variants) {
    fs.writeFileSync(snap, bytes);
    topics = TopicStore.open(d);
    const again = topics.partition('t', 0);
    assert.ok(again);
    m = ProducerStateManager.open(topics, logger);
    assert.deepEqual(m.forPartition(again).check([header(5, 0, 2)]), { kind: 'duplicate', firstOffset: 2, lastOffset: 2 }, name);
    m.close();
    topics.close();
  }
});

test('producer ids are unique across restarts, even when the process dies mid-block', () => {
  const d = tempDir('buzzline-pids-');
  dirs.push(d);
  const a = ProducerIdAllocator.open(d);
  const first = [a.allocate(), a.allocate(), a.allocate()];
  assert.deepEqual(first, [0, 1, 2]);
  // No close: the next allocator must not reuse anything from the block the first one reserved.
  const b = ProducerIdAllocator.open(d);
  const next = b.allocate();
  assert.ok(next > 2);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(d, PRODUCER_IDS_FILE), 'utf8')), { nextBlockStart: next + 1000 });
  fs.writeFileSync(path.join(d, PRODUCER_IDS_FILE), '{"nextBlockStart":"x"}');
  assert.throws(() => ProducerIdAllocator.open(d), /nextBlockStart/);
});
