// The __consumer_offsets view kept by the coordinator: where each group's records go, what every kind of
// group state change writes (decoded here with a reader written from Kafka's record schemas), and the
// seeding of a topic created after the state it mirrors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import pino from 'pino';
import { CONSUMER_OFFSETS_TOPIC } from '../../../src/broker/coordinator/consumer-offsets-topic.ts';
import { GroupCoordinator, OFFSETS_RETENTION_MS } from '../../../src/broker/coordinator/group-coordinator.ts';
import { OffsetStore } from '../../../src/broker/coordinator/offset-store.ts';
import { TopicStore } from '../../../src/broker/topic-store.ts';
import { consumerOffsetsPartitionFor, javaStringHashCode } from '../../../src/protocol/consumer-offsets-records.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { Reader } from '../../../src/protocol/reader.ts';
import { decodeRecords, splitBatches } from '../../../src/protocol/record-batch.ts';
import { tempDir } from '../../helpers/broker.ts';

const logger = pino({ level: 'silent' });
const config = { minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 60_000, initialRebalanceDelayMs: 0 };

function str(r: Reader): string | null {
  const n = r.stringLength(false);
  return n < 0 ? null : r.utf8(n);
}

type Decoded =
  | { kind: 'offset'; group: string | null; topic: string | null; partition: number; value: { offset: number; leaderEpoch: number; metadata: string | null } | null }
  | { kind: 'group'; group: string | null; value: { protocolType: string | null; generation: number; leader: string | null; members: (string | null)[] } | null };

function decode(key: Buffer, value: Buffer | null): Decoded {
  const k = new Reader(key);
  const keyVersion = k.int16();
  if (keyVersion === 1) {
    const [group, topic, partition] = [str(k), str(k), k.int32()];
    if (value === null) return { kind: 'offset', group, topic, partition, value: null };
    const v = new Reader(value);
    assert.equal(v.int16(), 3, 'offset commit value v3');
    const offset = v.int64();
    const leaderEpoch = v.int32();
    const metadata = str(v);
    v.int64();
    assert.equal(v.remaining, 0);
    return { kind: 'offset', group, topic, partition, value: { offset, leaderEpoch, metadata } };
  }
  assert.equal(keyVersion, 2, 'group metadata key');
  const group = str(k);
  if (value === null) return { kind: 'group', group, value: null };
  const v = new Reader(value);
  assert.equal(v.int16(), 3, 'group metadata value v3');
  const protocolType = str(v);
  const generation = v.int32();
  str(v);
  const leader = str(v);
  v.int64();
  const members: (string | null)[] = [];
  for (let n = v.int32(); n > 0; n--) {
    members.push(str(v));
    str(v);
    str(v);
    str(v);
    v.int32();
    v.int32();
    v.raw(v.bytesLength(false));
    v.raw(v.bytesLength(false));
  }
  assert.equal(v.remaining, 0);
  return { kind: 'group', group, value: { protocolType, generation, leader, members } };
}

// Every record of every partition, as [partition, decoded].
function readTopic(topics: TopicStore): [number, Decoded][] {
  const out: [number, Decoded][] = [];
  for (const p of topics.get(CONSUMER_OFFSETS_TOPIC)?.partitions ?? []) {
    let offset = p.log.logStartOffset;
    while (offset < p.log.logEndOffset) {
      const { records } = p.log.read(offset, 1 << 20);
      const split = splitBatches(records ?? Buffer.alloc(0));
      assert.ok(split.ok);
      for (const b of split.batches) {
        for (const r of decodeRecords(b.bytes)) {
          assert.ok(r.key !== null);
          out.push([p.index, decode(r.key, r.value)]);
          offset = r.offset + 1;
        }
      }
    }
  }
  return out;
}

function setup(): { dir: string; topics: TopicStore; coordinator: GroupCoordinator; done: () => void } {
  const dir = tempDir('buzzline-offsets-topic-');
  const topics = TopicStore.open(dir);
  topics.create('t', 3);
  const coordinator = GroupCoordinator.open({ dataDir: dir, topics, logger, config });
  return {
    dir,
    topics,
    coordinator,
    done: () => {
      coordinator.close();
      topics.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const commit = (c: GroupCoordinator, group: string, partition: number, offset: number, metadata: string | null = null) =>
  c.commitOffsets(group, '', null, -1, [{ name: 't', partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: 4, committedMetadata: metadata }] }]);

test("groups are placed as Kafka places them: Java's String.hashCode, Utils.abs, modulo 50", () => {
  assert.equal(javaStringHashCode(''), 0);
  assert.equal(javaStringHashCode('hello'), 99162322);
  assert.equal(javaStringHashCode('banking-consumer-group'), 828293743);
  assert.equal(javaStringHashCode('my-group'), -1906497762, 'overflows wrap as Java ints do');
  assert.equal(javaStringHashCode('\u{1F600}'), 1772899, 'UTF-16 code units, as Java counts them');
  // The one string whose hash is Integer.MIN_VALUE: Kafka's Utils.abs makes it 0, not negative.
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
  assert.equal(consumerOffsetsPartitionFor('polygenelubricants', 50), 0);
  assert.equal(consumerOffsetsPartitionFor('banking-consumer-group', 50), 43);
  assert.equal(consumerOffsetsPartitionFor('my-group', 50), 12);
});

test('the topic is created by the first commit; commits, offset deletes and expiry are all written', () => {
  const { topics, coordinator, done } = setup();
  try {
    assert.equal(topics.get(CONSUMER_OFFSETS_TOPIC), undefined, 'no group state, no topic');
    assert.equal(commit(coordinator, 'g1', 0, 10, 'ten')[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    const topic = topics.get(CONSUMER_OFFSETS_TOPIC);
    assert.equal(topic?.internal, true);
    assert.equal(topic.partitions.length, 50);
    commit(coordinator, 'g1', 1, 20);
    commit(coordinator, 'g2', 2, 30);
    const home = consumerOffsetsPartitionFor('g1', 50);
    assert.deepEqual(readTopic(topics).filter(([p]) => p === home).map(([, d]) => d), [
      { kind: 'offset', group: 'g1', topic: 't', partition: 0, value: { offset: 10, leaderEpoch: 4, metadata: 'ten' } },
      { kind: 'offset', group: 'g1', topic: 't', partition: 1, value: { offset: 20, leaderEpoch: 4, metadata: '' } },
    ]);
    assert.deepEqual(readTopic(topics).filter(([, d]) => d.group === 'g2').map(([p]) => p), [consumerOffsetsPartitionFor('g2', 50)]);

    // OffsetDelete on an Empty group: one tombstone.
    assert.equal(coordinator.deleteOffsets('g1', [{ name: 't', partitions: [{ partitionIndex: 1 }] }]).errorCode, ErrorCode.NONE);
    assert.deepEqual(readTopic(topics).filter(([, d]) => d.group === 'g1').at(-1)?.[1], { kind: 'offset', group: 'g1', topic: 't', partition: 1, value: null });

    // Expiry is a delete too.
    coordinator.cleanup(Date.now() + OFFSETS_RETENTION_MS + 1);
    assert.deepEqual(readTopic(topics).filter(([, d]) => d.group === 'g2').map(([, d]) => d), [
      { kind: 'offset', group: 'g2', topic: 't', partition: 2, value: { offset: 30, leaderEpoch: 4, metadata: '' } },
      { kind: 'offset', group: 'g2', topic: 't', partition: 2, value: null },
    ]);
  } finally {
    done();
  }
});

test('a group that rebalances writes its metadata, and deleting it writes tombstones for offsets and group', async () => {
  const { topics, coordinator, done } = setup();
  try {
    const joined = await coordinator.join('managed', {
      memberId: '', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000,
      protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], requireKnownMemberId: false, supportSkippingAssignment: false,
    });
    await coordinator.sync('managed', { memberId: joined.memberId, groupInstanceId: null, generationId: joined.generationId, protocolType: null, protocolName: null, assignments: [] });
    coordinator.commitOffsets('managed', joined.memberId, null, joined.generationId, [{ name: 't', partitions: [{ partitionIndex: 2, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] }]);
    coordinator.leave('managed', [{ memberId: joined.memberId, groupInstanceId: null }]);
    assert.equal(coordinator.deleteGroup('managed'), ErrorCode.NONE);
    const records = readTopic(topics).map(([, d]) => d);
    assert.deepEqual(records[0], { kind: 'group', group: 'managed', value: { protocolType: 'consumer', generation: 1, leader: joined.memberId, members: [joined.memberId] } });
    assert.deepEqual(records.slice(-4), [
      { kind: 'offset', group: 'managed', topic: 't', partition: 2, value: { offset: 5, leaderEpoch: -1, metadata: '' } },
      { kind: 'group', group: 'managed', value: { protocolType: 'consumer', generation: 2, leader: null, members: [] } },
      { kind: 'offset', group: 'managed', topic: 't', partition: 2, value: null },
      { kind: 'group', group: 'managed', value: null },
    ]);
  } finally {
    done();
  }
});

test('state from before the topic existed is written to it when the broker starts', () => {
  const dir = tempDir('buzzline-offsets-topic-');
  try {
    const store = OffsetStore.open(dir, { logger });
    store.commit('old-group', [{ topic: 't', partition: 1, offset: 77, leaderEpoch: -1, metadata: 'm', commitTimestamp: 1 }]);
    store.close();
    const topics = TopicStore.open(dir);
    topics.create('t', 2);
    const coordinator = GroupCoordinator.open({ dataDir: dir, topics, logger, config });
    assert.deepEqual(readTopic(topics), [
      [consumerOffsetsPartitionFor('old-group', 50), { kind: 'offset', group: 'old-group', topic: 't', partition: 1, value: { offset: 77, leaderEpoch: -1, metadata: 'm' } }],
    ]);
    coordinator.close();
    topics.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
